/// The values that stand, arranged for scoring; turns them into ``Standings`` by the rules of RULES.md §2–§7.
///
/// Feed it every accepted submission (``apply(_:)``) and every reopen (``void(_:)``), in any order: the
/// standings depend only on what stands.
public struct Scoreboard: Sendable {
    public let catalog: Catalog
    public let roster: Roster
    /// By district position: district-scope indicator id → value.
    private var districtValues: [[String: ExactDecimal]]
    /// By district position: hotline period → rates in metric order.
    private var hotlineRates: [[String: [ExactDecimal]]]
    /// By worker position: worker indicator id → value.
    private var workerValues: [[String: ExactDecimal]]
    private var filledCount = 0
    /// Cells expected and filled per owner, kept as values come and go.
    private let expectedPerOwner: [String: Int]
    private let owners: [String]
    private var filledPerOwner: [String: Int] = [:]
    /// Each district's and worker's place in id order, for listing ties by id without comparing strings.
    private let districtIDOrder: [Int]
    private let workerIDOrder: [Int]
    /// By worker position: the position of the worker's district.
    private let workerDistrict: [Int]
    /// Bottom-group occurrences per closed month, by district position; months changed since are recomputed.
    private var monthOccurrences: [String: [Int]] = [:]
    private var changedMonths: Set<String> = []

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        districtValues = Array(repeating: [:], count: catalog.districts.count)
        hotlineRates = Array(repeating: [:], count: catalog.districts.count)
        workerValues = Array(repeating: [:], count: roster.workers.count)
        var expected: [String: Int] = [:]
        var owners: [String] = []
        func expect(_ owner: String, _ count: Int) {
            if expected[owner] == nil { owners.append(owner) }
            expected[owner, default: 0] += count
        }
        for district in catalog.districts {
            for indicator in catalog.districtIndicators {
                expect(indicator.owner(district: district.id), indicator.scope == .hotline ? catalog.hotline.periods.count : 1)
            }
        }
        for worker in roster.workers {
            for indicator in catalog.workerIndicators { expect(indicator.owner(district: worker.district), 1) }
        }
        expectedPerOwner = expected
        self.owners = owners
        districtIDOrder = Self.orderByID(catalog.districts.map(\.id))
        workerIDOrder = Self.orderByID(roster.workers.map(\.id))
        workerDistrict = roster.workers.map { catalog.districtPosition($0.district) ?? 0 }
        changedMonths = Set(catalog.hotline.periods)
    }

    /// A scoreboard of everything that stands in `ledger`.
    public init(ledger: Ledger) {
        self.init(catalog: ledger.catalog, roster: ledger.roster)
        for entry in ledger.accepted { apply(entry) }
    }

    /// Records an accepted submission (which the ledger has checked against the same catalog and roster).
    public mutating func apply(_ entry: AcceptedSubmission) {
        set(entry.submission.key, to: entry.value)
    }

    /// Forgets the value of a reopened key.
    public mutating func void(_ key: SubmissionKey) {
        set(key, to: nil)
    }

    private mutating func set(_ key: SubmissionKey, to value: SubmittedValue?) {
        guard let district = catalog.districtPosition(key.district), let indicator = catalog.indicator(key.indicator)
        else { return }
        let wasFilled = isFilled(key)
        switch (indicator.scope, value) {
        case (.hotline, .rates(let rates)):
            hotlineRates[district][key.period] = rates
        case (.hotline, nil):
            hotlineRates[district][key.period] = nil
        case (.district, .score(let score)):
            districtValues[district][key.indicator] = score
        case (.district, nil):
            districtValues[district][key.indicator] = nil
        case (.worker, .score(let score)):
            guard let worker = roster.position(of: key.worker) else { return }
            workerValues[worker][key.indicator] = score
        case (.worker, nil):
            guard let worker = roster.position(of: key.worker) else { return }
            workerValues[worker][key.indicator] = nil
        default:
            return
        }
        if indicator.scope == .hotline { changedMonths.insert(key.period) }
        let change = (value == nil ? 0 : 1) - (wasFilled ? 1 : 0)
        if change != 0 {
            filledCount += change
            filledPerOwner[indicator.owner(district: key.district), default: 0] += change
        }
    }

    /// For each id, its place among the ids sorted.
    private static func orderByID(_ ids: [String]) -> [Int] {
        var order = Array(repeating: 0, count: ids.count)
        for (place, index) in ids.indices.sorted(by: { ids[$0] < ids[$1] }).enumerated() { order[index] = place }
        return order
    }

    /// Whether a value stands for `key` (a cell of the catalog and roster).
    private func isFilled(_ key: SubmissionKey) -> Bool {
        guard let district = catalog.districtPosition(key.district), let indicator = catalog.indicator(key.indicator)
        else { return false }
        switch indicator.scope {
        case .hotline: return hotlineRates[district][key.period] != nil
        case .district: return districtValues[district][key.indicator] != nil
        case .worker: return roster.position(of: key.worker).map { workerValues[$0][key.indicator] != nil } ?? false
        }
    }

    /// Recomputes the hotline months changed since the last refresh, so that the next standings reuse the others:
    /// a batch then costs what it changed, not the whole year. Standings are the same with or without it.
    public mutating func refresh() {
        for period in changedMonths {
            monthOccurrences[period] = occurrences(in: period)
        }
        changedMonths.removeAll()
    }

    // MARK: - Standings

    /// The ranking, grades and completeness of what stands now. With `detailed`, every missing cell and every
    /// hotline rate below target is listed too (for the operator and `kaoping score`); without, only the counts
    /// per owner — the form the live feed needs after every batch.
    public func standings(detailed: Bool = false) -> Standings {
        let occurrences = hotlineOccurrences()
        var districtRows: [DistrictStanding] = []
        for (position, district) in catalog.districts.enumerated() {
            var values = districtValues[position]
            if let hotline = catalog.hotlineIndicator, !hotlineRates[position].isEmpty {
                let penalty = catalog.hotline.penaltyPerOccurrence * occurrences[position]
                values[hotline.id] = max(.zero, hotline.max - penalty)
            }
            var total = ExactDecimal.zero
            for indicator in catalog.districtIndicators {
                guard let value = values[indicator.id] else { continue }
                total += indicator.effect == .add ? value : -value
            }
            districtRows.append(
                DistrictStanding(
                    district: district, total: total, rank: 0, grade: .good, values: values,
                    missing: missingCells(districtPosition: position), hotlineOccurrences: occurrences[position]))
        }
        let districtTotals = SortedValues(districtRows.map(\.total))
        for index in districtRows.indices {
            let total = districtRows[index].total
            districtRows[index].rank = districtTotals.rank(of: total)
            districtRows[index].grade = catalog.districtGrades.grade(of: total, in: districtTotals)
        }

        var workerRows = roster.workers.enumerated().map { position, worker in
            workerStanding(
                worker, values: workerValues[position], districtTotal: districtRows[workerDistrict[position]].total)
        }
        let workerTotals = SortedValues(workerRows.map(\.total))
        for index in workerRows.indices {
            let total = workerRows[index].total
            workerRows[index].rank = workerTotals.rank(of: total)
            workerRows[index].grade = catalog.workerRules.grade(of: total, in: workerTotals)
        }

        let completeness = Completeness(
            expected: expectedPerOwner.values.reduce(0, +), filled: filledCount,
            missingByOwner: owners.compactMap { owner in
                let missing = expectedPerOwner[owner, default: 0] - filledPerOwner[owner, default: 0]
                return missing > 0 ? Completeness.Owed(owner: owner, count: missing) : nil
            },
            missing: detailed
                ? catalog.expectedCells(roster: roster).filter { !isFilled($0.key) } : [])
        return Standings(
            campaign: catalog.campaign,
            districts: districtRows.indices
                .sorted { (districtRows[$0].rank, districtIDOrder[$0]) < (districtRows[$1].rank, districtIDOrder[$1]) }
                .map { districtRows[$0] },
            workers: workerRows.indices
                .sorted { (workerRows[$0].rank, workerIDOrder[$0]) < (workerRows[$1].rank, workerIDOrder[$1]) }
                .map { workerRows[$0] },
            completeness: completeness,
            hotlineFlags: detailed ? hotlineFlags() : [])
    }

    private func workerStanding(_ worker: Worker, values: [String: ExactDecimal], districtTotal: ExactDecimal)
        -> WorkerStanding
    {
        let rules = catalog.workerRules
        var total = weighted(districtTotal.clamped(to: rules.districtResultRange), by: rules.districtResultWeight)
        for indicator in catalog.workerIndicators {
            total += weighted(values[indicator.id] ?? .zero, by: indicator.weight)
        }
        return WorkerStanding(worker: worker, total: total, rank: 0, grade: .unqualified, values: values)
    }

    private func weighted(_ value: ExactDecimal, by weight: ExactDecimal) -> ExactDecimal {
        guard let product = value.exactlyMultiplied(by: weight) else {
            preconditionFailure("catalog weight \(weight) × \(value) is not exact; CatalogFile checks weights")
        }
        return product
    }

    /// Per district position: the (closed month, metric) pairs in the bottom group (RULES.md §3).
    private func hotlineOccurrences() -> [Int] {
        var occurrences = Array(repeating: 0, count: catalog.districts.count)
        for period in catalog.hotline.periods {
            let month = changedMonths.contains(period) ? self.occurrences(in: period) : monthOccurrences[period] ?? []
            for (district, count) in month.enumerated() { occurrences[district] += count }
        }
        return occurrences
    }

    /// One month's bottom-group occurrences by district position; empty while the month is not closed.
    private func occurrences(in period: String) -> [Int] {
        let rules = catalog.hotline
        let month = hotlineRates.compactMap { $0[period] }
        guard month.count == catalog.districts.count, !month.isEmpty else { return [] }
        var occurrences = Array(repeating: 0, count: month.count)
        for metric in rules.metrics.indices {
            let population = SortedValues(month.map { $0[metric] })
            for (district, rates) in month.enumerated() where population.countBelow(rates[metric]) < rules.bottomCount {
                occurrences[district] += 1
            }
        }
        return occurrences
    }

    private func missingCells(districtPosition position: Int) -> [String] {
        var missing: [String] = []
        for indicator in catalog.districtIndicators {
            if indicator.scope == .hotline {
                for period in catalog.hotline.periods where hotlineRates[position][period] == nil {
                    missing.append("\(indicator.id):\(period)")
                }
            } else if districtValues[position][indicator.id] == nil {
                missing.append(indicator.id)
            }
        }
        return missing
    }

    private func hotlineFlags() -> [HotlineFlag] {
        var flags: [HotlineFlag] = []
        for (position, district) in catalog.districts.enumerated() {
            for period in catalog.hotline.periods {
                guard let rates = hotlineRates[position][period] else { continue }
                for (metric, rate) in zip(catalog.hotline.metrics, rates) where rate < metric.target {
                    flags.append(HotlineFlag(district: district.id, period: period, metric: metric, rate: rate))
                }
            }
        }
        return flags
    }
}
