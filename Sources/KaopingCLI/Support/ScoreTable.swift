import KaopingCore

/// The human form of a score report: districts, workers, what is missing and what was refused, with Chinese labels.
public struct ScoreTable {
    public let report: ScoreReport
    public let catalog: Catalog

    public init(report: ScoreReport, catalog: Catalog) {
        self.report = report
        self.catalog = catalog
    }

    public func render() -> String {
        let standings = report.standings
        let completeness = standings.completeness
        var out = "\(catalog.title)（\(catalog.campaign)）\n"
        out += standings.isFinal
            ? "最终排名 final: all \(completeness.expected) expected cells are in\n\n"
            : "临时排名 provisional: \(completeness.missingCount) of \(completeness.expected) expected cells missing "
                + "(counted as 0)\n\n"
        out += districtTable(standings).render()
        if !standings.workers.isEmpty {
            out += "\n" + workerTable(standings).render()
        }
        out += missingSummary(completeness)
        out += flagSummary(standings.hotlineFlags)
        out += rejectedSummary()
        return out
    }

    private func districtTable(_ standings: Standings) -> TextTable {
        let indicators = catalog.districtIndicators
        var table = TextTable(
            [.init("排名", alignRight: true), .init("居民区")] + indicators.map { .init($0.shortLabel, alignRight: true) }
                + [.init("总分", alignRight: true), .init("等第"), .init("缺项", alignRight: true)])
        for row in standings.districts {
            table.append(
                ["\(row.rank)", row.district.name] + indicators.map { row.values[$0.id]?.description ?? "-" }
                    + [row.total.description, row.grade.label, row.missing.isEmpty ? "" : "\(row.missing.count)"])
        }
        return table
    }

    private func workerTable(_ standings: Standings) -> TextTable {
        let components = catalog.workerIndicators
        var table = TextTable(
            [.init("排名", alignRight: true), .init("社区工作者"), .init("居民区")]
                + components.map { .init($0.shortLabel, alignRight: true) }
                + [.init("总分", alignRight: true), .init("等第")])
        for row in standings.workers {
            let district = catalog.district(row.worker.district)?.name ?? row.worker.district
            table.append(
                ["\(row.rank)", "\(row.worker.name) \(row.worker.id)", district]
                    + components.map { row.values[$0.id]?.description ?? "-" }
                    + [row.total.description, row.grade.label])
        }
        return table
    }

    private func missingSummary(_ completeness: Completeness) -> String {
        guard !completeness.isComplete else { return "" }
        let owed = completeness.missingByOwner.map { "\($0.owner) \($0.count)" }.joined(separator: ", ")
        return "\n缺项 missing cells by submitter: \(owed)\n"
    }

    private func flagSummary(_ flags: [HotlineFlag]) -> String {
        guard !flags.isEmpty else { return "" }
        var counts: [String: Int] = [:]
        for flag in flags { counts[flag.district, default: 0] += 1 }
        let byDistrict = catalog.districts.compactMap { district in
            counts[district.id].map { "\(district.name) \($0)" }
        }
        return "\n热线未达标 hotline rates below target (flagged, not scored): \(flags.count) — "
            + byDistrict.joined(separator: ", ") + "\n"
    }

    private func rejectedSummary() -> String {
        var out = ""
        if report.duplicates > 0 {
            out += "\n重复 duplicates (same content resent, ignored): \(report.duplicates)\n"
        }
        if !report.rejected.isEmpty {
            out += "\n拒收 rejected lines: \(report.rejected.count)\n"
            for line in report.rejected {
                let rejection = line.rejection
                out += "  line \(line.line) \(line.submissionID) \(rejection.status.rawValue): \(rejection.reason)\n"
            }
        }
        return out
    }
}
