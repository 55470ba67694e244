import Foundation
import KaopingCore
import KaopingWire

/// The operator's view of a status reply: completeness, owed cells per submitter, silence and rejections.
struct StatusView {
    let status: Kaoping_V1_StatusReply
    let catalog: Catalog
    let silentAfterHours: Int
    let now: Date

    func render() -> String {
        matrix() + "\n" + summary()
    }

    /// Districts × indicators: ✓ in, · missing; the hotline as months in; workers as reviews in.
    func matrix() -> String {
        var missingByDistrict: [String: [Kaoping_V1_MissingCell]] = [:]
        for cell in status.missing { missingByDistrict[cell.district, default: []].append(cell) }
        let indicators = catalog.districtIndicators
        let workerIndicators = catalog.workerIndicators
        var table = TextTable(
            [.init("居民区")] + indicators.map { .init($0.shortLabel) }
                + (workerIndicators.isEmpty ? [] : [.init("工作者评价", alignRight: true)]))
        let workersPerDistrict = Dictionary(grouping: status.ranking.workers, by: \.district).mapValues(\.count)
        for district in catalog.districts {
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
        return table.render()
    }

    func summary() -> String {
        var out = "\(status.campaign): \(status.cellsFilled) of \(status.cellsExpected) cells filled"
        out += status.final ? " — final\n" : " — provisional, \(status.missing.count) missing\n"
        out += "ledger position \(status.ledgerPosition), feed sequence \(status.feedSequence)\n\n"
        var table = TextTable([
            .init("提交方 submitter"), .init("名称"), .init("欠 owed", alignRight: true),
            .init("收 accepted", alignRight: true), .init("拒 rejected", alignRight: true), .init("last seen"),
        ])
        let silentBefore = Int64(now.timeIntervalSince1970 * 1000) - Int64(silentAfterHours) * 3_600_000
        for row in status.submitters where row.owed > 0 || row.accepted > 0 || row.rejected > 0 || row.lastSeenMs > 0 {
            var seen = row.lastSeenMs == 0 ? "never" : Self.format(row.lastSeenMs)
            if row.owed > 0, row.lastSeenMs < silentBefore { seen += "  (silent)" }
            table.append([row.submitter, row.name, "\(row.owed)", "\(row.accepted)", "\(row.rejected)", seen])
        }
        out += table.render()
        if !status.rejections.isEmpty {
            out += "\nrejections: " + status.rejections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", ") + "\n"
        }
        return out
    }

    static func format(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
