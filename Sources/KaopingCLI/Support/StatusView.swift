import Foundation
import KaopingCore
import KaopingWire

/// The operator's view of a status reply: completeness, owed cells per submitter, silence and rejections.
///
/// A city has thousands of districts: unless told otherwise (`rowLimit` nil), each table then lists only the rows
/// that need attention first — the districts missing the most cells, the submitters owing the most — and says how
/// many it left out. `districts` narrows both tables to some districts. A narrowed reply (which lists the missing
/// cells of some districts only, with every district's counts) serves these tables as well as a whole one.
struct StatusView {
    let status: Kaoping_V1_StatusReply
    let catalog: Catalog
    let silentAfterHours: Int
    let now: Timestamp
    /// Only these districts (ids), or every district when nil.
    var districts: Set<String>? = nil
    /// At most this many rows per table, the most behind first; every row when nil.
    var rowLimit: Int? = nil

    /// The rows a table shows by default before it keeps only the most behind.
    static let defaultRowLimit = 40

    func render() -> String {
        matrix() + "\n" + summary()
    }

    /// Districts × indicators: ✓ in, · missing; the hotline as months in; workers as reviews in.
    func matrix() -> String {
        var missingByDistrict: [String: [Kaoping_V1_MissingCell]] = [:]
        for cell in status.missing { missingByDistrict[cell.district, default: []].append(cell) }
        // Counts per district and workers per district: given by a narrowed reply, counted from a whole one.
        let missingCount = status.narrowed
            ? Dictionary(status.districts.map { ($0.district, Int($0.missing)) }) { first, _ in first }
            : missingByDistrict.mapValues(\.count)
        let workersPerDistrict = status.narrowed
            ? Dictionary(status.districts.map { ($0.district, Int($0.workers)) }) { first, _ in first }
            : Dictionary(grouping: status.ranking.workers, by: \.district).mapValues(\.count)
        let indicators = catalog.districtIndicators
        let workerIndicators = catalog.workerIndicators
        var table = TextTable(
            [.init("居民区")] + indicators.map { .init($0.shortLabel) }
                + (workerIndicators.isEmpty ? [] : [.init("工作者评价", alignRight: true)]))
        var shown = catalog.districts.filter { districts?.contains($0.id) ?? true }
        var note = ""
        if districts == nil, let rowLimit, shown.count > rowLimit {
            let complete = shown.count { (missingCount[$0.id] ?? 0) == 0 }
            // The most missing first; a stable sort keeps the catalog's order among equals.
            let order = Dictionary(uniqueKeysWithValues: shown.enumerated().map { ($1.id, $0) })
            shown.sort {
                let (left, right) = (missingCount[$0.id] ?? 0, missingCount[$1.id] ?? 0)
                return left != right ? left > right : order[$0.id]! < order[$1.id]!
            }
            note = "… \(shown.count - rowLimit) more districts not shown (\(complete) complete); the \(rowLimit) "
                + "missing the most are above. `--district ID` shows one, `--all` every one.\n"
            shown = Array(shown.prefix(rowLimit))
        }
        for district in shown {
            let missing = missingByDistrict[district.id] ?? []
            var row = [district.name]
            for indicator in indicators {
                if indicator.scope == .hotline {
                    let gaps = missing.filter { $0.indicator == indicator.id }.count
                    let months = catalog.hotline.periods.count
                    row.append(gaps == 0 ? "✓" : "\(months - gaps)/\(months)")
                } else {
                    row.append(missing.contains { $0.indicator == indicator.id } ? "·" : "✓")
                }
            }
            if !workerIndicators.isEmpty {
                let expected = (workersPerDistrict[district.id] ?? 0) * workerIndicators.count
                let gaps = missing.filter { !$0.worker.isEmpty }.count
                row.append(expected == 0 ? "-" : gaps == 0 ? "✓" : "\(expected - gaps)/\(expected)")
            }
            table.append(row)
        }
        return table.render() + note
    }

    func summary() -> String {
        var out = "\(status.campaign): \(status.cellsFilled) of \(status.cellsExpected) cells filled"
        let missing = Int(status.cellsExpected) - Int(status.cellsFilled)
        out += status.final ? " — final\n" : " — provisional, \(missing) missing\n"
        out += "ledger position \(status.ledgerPosition), feed sequence \(status.feedSequence)\n"
        out += String(
            format: "aggregator: %u waiting, last commit %.1f ms for %u, %llu commits\n\n", status.queueDepth,
            Double(status.lastCommitUs) / 1000, status.lastCommitBatch, status.commits)
        let findings = status.feedback.districts.filter { districts?.contains($0.id) ?? true }
        let (open, overdue) = findings.reduce((0, 0)) { ($0.0 + Int($1.open), $0.1 + Int($1.overdue)) }
        if open > 0 {
            out.removeLast()  // the blank line after the aggregator's figures comes after this one
            out += "findings: \(open) open, \(overdue) overdue"
                + (overdue > 0 ? " (kaoping feedback list --state overdue)" : "") + "\n\n"
        }
        // Owed cells: all of them, or those of the chosen districts.
        var owed = Dictionary(status.submitters.map { ($0.submitter, Int($0.owed)) }) { first, _ in first }
        if let districts {
            owed = [:]
            for cell in status.missing where districts.contains(cell.district) { owed[cell.owner, default: 0] += 1 }
            out += "owed: cells of \(districts.sorted().joined(separator: ", ")) only\n"
        }
        var rows = status.submitters.filter { row in
            if let districts {
                return (owed[row.submitter] ?? 0) > 0
                    || districts.contains { SubmitterReference.leaderID(of: $0) == row.submitter }
            }
            return row.owed > 0 || row.accepted > 0 || row.rejected > 0 || row.lastSeenMs > 0
        }
        var note = ""
        if districts == nil, let rowLimit, rows.count > rowLimit {
            // The most owed first; the reply's order among equals.
            rows = rows.enumerated().sorted { left, right in
                let (a, b) = (owed[left.element.submitter] ?? 0, owed[right.element.submitter] ?? 0)
                return a != b ? a > b : left.offset < right.offset
            }.map(\.element)
            let rest = rows.dropFirst(rowLimit)
            let owing = rest.filter { (owed[$0.submitter] ?? 0) > 0 }
            let cells = owing.reduce(0) { $0 + (owed[$1.submitter] ?? 0) }
            note = "… \(rest.count) more submitters not shown, "
                + (owing.isEmpty ? "none owing" : "\(owing.count) owing \(cells) cells")
                + "; the \(rowLimit) owing the most are above. `--district ID` or `--all` shows them.\n"
            rows = Array(rows.prefix(rowLimit))
        }
        var table = TextTable([
            .init("提交方 submitter"), .init("名称"), .init("欠 owed", alignRight: true),
            .init("收 accepted", alignRight: true), .init("拒 rejected", alignRight: true), .init("last seen"),
        ])
        let silentBefore = now - .seconds(silentAfterHours * 3_600)
        let time = ChinaTime.printer()
        for row in rows {
            let owes = owed[row.submitter] ?? 0
            let lastSeen = Timestamp(milliseconds: row.lastSeenMs)
            var seen = row.lastSeenMs == 0 ? "never" : time(lastSeen)
            if owes > 0, lastSeen < silentBefore { seen += "  (silent)" }
            table.append([row.submitter, row.name, "\(owes)", "\(row.accepted)", "\(row.rejected)", seen])
        }
        out += table.render() + note
        if !status.rejections.isEmpty {
            out += "\nrejections: " + status.rejections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", ") + "\n"
        }
        return out
    }
}
