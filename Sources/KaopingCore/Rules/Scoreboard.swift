/// The values that stand, arranged for scoring; turns them into ``Standings`` by the rules of RULES.md §2–§7.
///
/// Feed it every accepted submission (``apply(_:)``) and every reopen (``void(_:)``), in any order: the
/// standings depend only on what stands. Totals and their order are kept as values come and go: after a batch of k
/// changes, ``refresh()`` costs O(k log n) (plus one pass over a hotline month when it closes or changes once
/// closed), ``update()`` lists just what changed, and only ``standings(detailed:flaggingHotline:)`` visits every row.
public struct Scoreboard: Sendable {
    public let catalog: Catalog
    public let roster: Roster
    /// By indicator position: whether its value is taken away from a district's total.
    private let subtracts: [Bool]
    /// The names of a district's own cells as listed missing, in catalog order (`hotline:2023-01` for each month of
    /// the hotline indicator), made once: a batch lists the missing cells of every district it touches.
    private let districtCellNames: [String]
    /// The campaign's cells numbered in catalog order (a district's own cells are `districtCellNames.count` from
    /// `position × that count` on), and by number whether a value stands for each: what is filled is read here,
    /// not looked up by names.
    private let cells: CellIndex
    private var filled: [Bool]
    private let workerIndicators: [Indicator]
    /// The hotline indicator's position and id, its maximum and the penalty per occurrence (nil without a hotline
    /// indicator).
    private let hotline: (position: Int, id: String)?
    private let hotlineMaximum: ExactDecimal?
    private let hotlinePenalty: ExactDecimal
    /// By district position: district-scope indicator id → value, and the hotline indicator's score once any month
    /// is in (kept by ``refresh()``): a row lists these values as they are, without a copy to add the score to.
    private var districtValues: [[String: ExactDecimal]]
    /// By district position: the sum of its district-scope values, each added or taken away as its indicator says
    /// (the hotline's score aside), kept as values come and go: a total needs no pass over the values.
    private var districtSums: [ExactDecimal]
    /// By district position: hotline period → rates in metric order.
    private var hotlineRates: [[String: [ExactDecimal]]]
    /// By worker position: worker indicator id → value.
    private var workerValues: [[String: ExactDecimal]]
    private var filledCount = 0
    /// Owners in catalog order; cells expected in all.
    private let owners: [String]
    /// Where in ``owners`` a value's owner is, without making and looking up its name per value: by indicator
    /// position, whether a district's head owns it, else the place of the submitter it names; by district
    /// position, the place of its head.
    private let headOwned: [Bool]
    private let namedOwnerPlaces: [Int?]
    private let headPlaces: [Int?]
    private let expectedCount: Int
    /// Cells expected and filled per owner, by the owner's place, kept as values come and go.
    private let expectedPerOwner: [Int]
    private var filledPerOwner: [Int]
    /// Each district's and worker's place in id order, for listing ties by id without comparing strings.
    private let districtIDOrder: [Int]
    private let workerIDOrder: [Int]
    /// By worker position: the position of the worker's district; by district position: its workers.
    private let workerDistrict: [Int]
    private let districtWorkers: [[Int]]
    /// By month (its place in the hotline's periods): how many districts have sent it; a month is closed (ranked)
    /// once all have.
    private var monthFilled: [Int]
    /// Bottom-group occurrences per closed month, by district position (empty while the month is open).
    private var monthOccurrences: [String: [Int]] = [:]
    /// By district position: occurrences summed over the closed months.
    private var hotlineOccurrences: [Int]
    /// Current totals by position, and the same totals in order (for ranks and quota grades).
    private var districtTotals: [ExactDecimal]
    private var workerTotals: [ExactDecimal]
    private var districtOrder: OrderStatistics
    private var workerOrder: OrderStatistics
    /// Changed since the last ``refresh()``: hotline months (by place), and rows whose total must be recomputed.
    private var changedMonths: PositionSet
    private var staleDistricts: PositionSet
    private var staleWorkers: PositionSet
    /// Changed since the last ``update()``: rows whose own data or total changed, owners whose count changed.
    private var updatedDistricts: PositionSet
    private var updatedWorkers: PositionSet
    /// By place in ``owners``.
    private var updatedOwners: PositionSet

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        let districtIndicators = catalog.districtIndicators
        subtracts = catalog.indicators.map { $0.effect != .add }
        districtCellNames = districtIndicators.flatMap { indicator in
            indicator.scope == .hotline ? catalog.hotline.periods.map { "\(indicator.id):\($0)" } : [indicator.id]
        }
        cells = CellIndex(catalog: catalog, roster: roster)
        filled = Array(repeating: false, count: cells.count)
        workerIndicators = catalog.workerIndicators
        hotline = catalog.indicators.firstIndex { $0.scope == .hotline }.map { ($0, catalog.indicators[$0].id) }
        hotlineMaximum = catalog.hotlineIndicator?.max
        hotlinePenalty = catalog.hotline.penaltyPerOccurrence
        districtValues = Array(repeating: [:], count: catalog.districts.count)
        districtSums = Array(repeating: .zero, count: catalog.districts.count)
        hotlineRates = Array(repeating: [:], count: catalog.districts.count)
        workerValues = Array(repeating: [:], count: roster.workers.count)
        var expected: [String: Int] = [:]
        var owners: [String] = []
        func expect(_ owner: String, _ count: Int) {
            if expected[owner] == nil { owners.append(owner) }
            expected[owner, default: 0] += count
        }
        for district in catalog.districts {
            for indicator in districtIndicators {
                let cells = indicator.scope == .hotline ? catalog.hotline.periods.count : 1
                expect(indicator.owner(district: district.id), cells)
            }
        }
        for worker in roster.workers {
            for indicator in workerIndicators { expect(indicator.owner(district: worker.district), 1) }
        }
        self.owners = owners
        let ownerOrder = Dictionary(uniqueKeysWithValues: owners.enumerated().map { ($1, $0) })
        headOwned = catalog.indicators.map { $0.submitter == .districtLeader }
        namedOwnerPlaces = catalog.indicators.map { indicator in
            guard case .submitter(let id) = indicator.submitter else { return nil }
            return ownerOrder[id]
        }
        headPlaces = catalog.districts.map { ownerOrder[SubmitterReference.leaderID(of: $0.id)] }
        expectedPerOwner = owners.map { expected[$0, default: 0] }
        filledPerOwner = Array(repeating: 0, count: owners.count)
        expectedCount = expected.values.reduce(0, +)
        districtIDOrder = Self.orderByID(catalog.districts.map(\.id))
        workerIDOrder = Self.orderByID(roster.workers.map(\.id))
        workerDistrict = roster.workers.map { catalog.districtPosition($0.district) ?? 0 }
        var districtWorkers = Array(repeating: [Int](), count: catalog.districts.count)
        for (worker, district) in workerDistrict.enumerated() where district < districtWorkers.count {
            districtWorkers[district].append(worker)
        }
        self.districtWorkers = districtWorkers
        hotlineOccurrences = Array(repeating: 0, count: catalog.districts.count)
        districtTotals = Array(repeating: .zero, count: catalog.districts.count)
        workerTotals = Array(repeating: .zero, count: roster.workers.count)
        districtOrder = OrderStatistics(districtTotals)
        workerOrder = OrderStatistics(workerTotals)
        // A worker with no data still has half of the clamped district total (0 clamped to the range).
        monthFilled = Array(repeating: 0, count: catalog.hotline.periods.count)
        changedMonths = PositionSet(count: catalog.hotline.periods.count)
        staleDistricts = PositionSet(count: catalog.districts.count)
        staleWorkers = PositionSet(all: roster.workers.count)
        updatedDistricts = PositionSet(all: catalog.districts.count)
        updatedWorkers = PositionSet(count: roster.workers.count)
        updatedOwners = PositionSet(all: owners.count)
        refresh()
    }

    /// A scoreboard of everything that stands in `ledger`.
    public init(ledger: Ledger) {
        self.init(catalog: ledger.catalog, roster: ledger.roster)
        for entry in ledger.accepted { apply(entry) }
        refresh()
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
        guard let cell = cells.cell(of: key) else { return }
        let district = cell.district
        let wasFilled = filled[cell.number]
        switch (cell.scope, value) {
        case (.hotline, .rates(let rates)):
            hotlineRates[district][key.period] = rates
        case (.hotline, nil):
            hotlineRates[district][key.period] = nil
        case (.district, .score(let score)):
            let old = districtValues[district].updateValue(score, forKey: key.indicator) ?? .zero
            districtSums[district] += subtracts[cell.indicator] ? old - score : score - old
        case (.district, nil):
            let old = districtValues[district].removeValue(forKey: key.indicator) ?? .zero
            districtSums[district] += subtracts[cell.indicator] ? old : -old
        case (.worker, .score(let score)):
            guard let worker = cell.worker else { return }
            workerValues[worker][key.indicator] = score
            staleWorkers.insert(worker)
        case (.worker, nil):
            guard let worker = cell.worker else { return }
            workerValues[worker][key.indicator] = nil
            staleWorkers.insert(worker)
        default:
            return
        }
        filled[cell.number] = value != nil
        if cell.scope != .worker { staleDistricts.insert(district) }
        if let month = cell.month { changedMonths.insert(month) }
        let change = (value == nil ? 0 : 1) - (wasFilled ? 1 : 0)
        if change != 0 {
            filledCount += change
            // Every owner of a checked key is an expected one (the ledger checks a worker's district).
            if let owner = headOwned[cell.indicator] ? headPlaces[district] : namedOwnerPlaces[cell.indicator] {
                filledPerOwner[owner] += change
                updatedOwners.insert(owner)
            }
            if let month = cell.month { monthFilled[month] += change }
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
        cells.number(of: key).map { filled[$0] } ?? false
    }

    /// Brings totals and their order up to date with the values applied since the last refresh: the hotline months
    /// that changed, then the districts, then the workers (whose totals include their district's).
    public mutating func refresh() {
        for month in changedMonths {
            let period = catalog.hotline.periods[month]
            let closed = monthFilled[month] == catalog.districts.count
            let now = closed ? occurrences(in: period) : []
            let before = monthOccurrences[period] ?? []
            guard now != before else { continue }
            for district in catalog.districts.indices {
                let change = (now.isEmpty ? 0 : now[district]) - (before.isEmpty ? 0 : before[district])
                if change != 0 {
                    hotlineOccurrences[district] += change
                    staleDistricts.insert(district)
                }
            }
            monthOccurrences[period] = now
        }
        changedMonths.removeAll()
        for district in staleDistricts {
            if let hotline {
                districtValues[district][hotline.id] = hotlineScore(ofDistrict: district)
            }
            if Self.move(district, to: districtTotal(district), in: &districtTotals, order: &districtOrder) {
                staleWorkers.formUnion(districtWorkers[district])
            }
            updatedDistricts.insert(district)
        }
        staleDistricts.removeAll()
        for worker in staleWorkers {
            Self.move(worker, to: workerTotal(worker), in: &workerTotals, order: &workerOrder)
            updatedWorkers.insert(worker)
        }
        staleWorkers.removeAll()
    }

    /// Sets the total at `position` and moves it in `order`; whether it changed.
    @discardableResult
    private static func move(
        _ position: Int, to total: ExactDecimal, in totals: inout [ExactDecimal], order: inout OrderStatistics
    ) -> Bool {
        guard total != totals[position] else { return false }
        order.replace(totals[position], with: total)
        totals[position] = total
        return true
    }

    private var needsRefresh: Bool { !changedMonths.isEmpty || !staleDistricts.isEmpty || !staleWorkers.isEmpty }

    // MARK: - Standings

    /// The ranking, grades and completeness of what stands now. With `detailed`, every missing cell is listed too
    /// (for the operator and `kaoping score`), and, unless `flaggingHotline` is false, every hotline rate below
    /// target (for `kaoping score`'s table: a city's months have a hundred thousand of them); without, only the
    /// counts per owner.
    public func standings(detailed: Bool = false, flaggingHotline: Bool = true) -> Standings {
        if needsRefresh {
            var refreshed = self
            refreshed.refresh()
            return refreshed.standings(detailed: detailed, flaggingHotline: flaggingHotline)
        }
        let districtGrades = catalog.districtGrades.boundaries(in: districtOrder)
        let workerGrades = catalog.workerRules.boundaries(in: workerOrder)
        // By rank (total descending), then id.
        let districtRows = catalog.districts.indices
            .sorted { (-districtTotals[$0], districtIDOrder[$0]) < (-districtTotals[$1], districtIDOrder[$1]) }
            .map { districtStanding($0, grades: districtGrades) }
        let workerRows = roster.workers.indices
            .sorted { (-workerTotals[$0], workerIDOrder[$0]) < (-workerTotals[$1], workerIDOrder[$1]) }
            .map { workerStanding($0, grades: workerGrades) }
        return Standings(
            campaign: catalog.campaign, districts: districtRows, workers: workerRows,
            completeness: completeness(detailed: detailed),
            hotlineFlags: detailed && flaggingHotline ? hotlineFlags() : [])
    }

    /// Each district's missing cells (its own and its workers') and workers, in catalog order: what an operator of a
    /// city sees first, without listing a hundred thousand cells.
    public func districtCompleteness() -> [DistrictCompleteness] {
        catalog.districts.indices.map { position in
            var missing = missingCells(districtPosition: position).count
            for worker in districtWorkers[position] {
                missing += workerIndicators.count { workerValues[worker][$0.id] == nil }
            }
            return DistrictCompleteness(
                district: catalog.districts[position].id, missing: missing, workers: districtWorkers[position].count)
        }
    }

    /// The missing cells of some districts (ids of the catalog; others are ignored), in catalog order of the
    /// districts: each district's own cells, then its workers'.
    public func missingCells(ofDistricts ids: Set<String>) -> [Completeness.Cell] {
        catalog.districts.indices.filter { ids.contains(catalog.districts[$0].id) }.flatMap { position in
            let own = catalog.expectedCells(ofDistrict: catalog.districts[position].id)
            let workers = districtWorkers[position].flatMap { catalog.expectedCells(ofWorker: roster.workers[$0]) }
            return (own + workers).filter { !isFilled($0.key) }
        }
    }

    /// What changed since the previous update (or since the start): the rows whose own data or total changed, with
    /// their rank and grade now; the grade boundaries every other row is graded by now; and completeness.
    public mutating func update() -> StandingsUpdate {
        refresh()
        let districtGrades = catalog.districtGrades.boundaries(in: districtOrder)
        let workerGrades = catalog.workerRules.boundaries(in: workerOrder)
        let update = StandingsUpdate(
            campaign: catalog.campaign,
            districts: updatedDistricts.sorted { districtIDOrder[$0] < districtIDOrder[$1] }
                .map { districtStanding($0, grades: districtGrades) },
            workers: updatedWorkers.sorted { workerIDOrder[$0] < workerIDOrder[$1] }
                .map { workerStanding($0, grades: workerGrades) },
            owed: updatedOwners.sorted().map(owed),
            expected: expectedCount, filled: filledCount,
            districtGrades: districtGrades, workerGrades: workerGrades)
        updatedDistricts.removeAll()
        updatedWorkers.removeAll()
        updatedOwners.removeAll()
        return update
    }

    /// The cells the owner at `place` in ``owners`` still owes.
    private func owed(_ place: Int) -> Completeness.Owed {
        Completeness.Owed(owner: owners[place], count: expectedPerOwner[place] - filledPerOwner[place])
    }

    /// Completeness: counts, owed cells per owner, and with `detailed` every missing cell.
    public func completeness(detailed: Bool = false) -> Completeness {
        Completeness(
            expected: expectedCount, filled: filledCount,
            missingByOwner: owners.indices.map(owed).filter { $0.count > 0 },
            // The expected cells are listed in the order the cells are numbered.
            missing: detailed ? zip(catalog.expectedCells(roster: roster), filled).filter { !$1 }.map(\.0) : [])
    }

    /// The hotline indicator's score once any of the district's months is in.
    private func hotlineScore(ofDistrict position: Int) -> ExactDecimal? {
        guard let hotlineMaximum, !hotlineRates[position].isEmpty else { return nil }
        return max(.zero, hotlineMaximum - hotlinePenalty * hotlineOccurrences[position])
    }

    /// The sum of the district's values, each added or taken away as its indicator says.
    private func districtTotal(_ position: Int) -> ExactDecimal {
        guard let hotline, let score = hotlineScore(ofDistrict: position) else { return districtSums[position] }
        return districtSums[position] + (subtracts[hotline.position] ? -score : score)
    }

    private func districtStanding(_ position: Int, grades: GradeBoundaries<DistrictGrade>) -> DistrictStanding {
        let total = districtTotals[position]
        return DistrictStanding(
            district: catalog.districts[position], total: total, rank: districtOrder.rank(of: total),
            grade: grades.grade(of: total), values: districtValues[position],
            missing: missingCells(districtPosition: position), hotlineOccurrences: hotlineOccurrences[position])
    }

    /// 0.2 × leader + 0.3 × democratic + 0.5 × clamped district total (as the catalog weighs them), exact.
    private func workerTotal(_ position: Int) -> ExactDecimal {
        var total = catalog.workerRules.districtResultPoints(districtTotal: districtTotals[workerDistrict[position]])
        for indicator in workerIndicators {
            total += indicator.workerPoints(workerValues[position][indicator.id] ?? .zero)
        }
        return total
    }

    private func workerStanding(_ position: Int, grades: GradeBoundaries<WorkerGrade>) -> WorkerStanding {
        let total = workerTotals[position]
        return WorkerStanding(
            worker: roster.workers[position], total: total, rank: workerOrder.rank(of: total),
            grade: grades.grade(of: total), values: workerValues[position])
    }


    /// One closed month's bottom-group occurrences by district position. A rate is in the bottom group when fewer
    /// than `bottomCount` rates are strictly lower: exactly the rates no higher than the `bottomCount`-th lowest
    /// (ties counted; every rate when there are no more than that many). One pass per metric finds it: a city's month
    /// closes within a batch, so this must not cost a sort of every district.
    private func occurrences(in period: String) -> [Int] {
        let rules = catalog.hotline
        let month = hotlineRates.compactMap { $0[period] }
        guard month.count == catalog.districts.count, !month.isEmpty else { return [] }
        var occurrences = Array(repeating: 0, count: month.count)
        guard rules.bottomCount > 0 else { return occurrences }
        for metric in rules.metrics.indices {
            var lowest: [ExactDecimal] = []  // the bottomCount lowest so far, ascending
            lowest.reserveCapacity(rules.bottomCount + 1)
            for rates in month where lowest.count < rules.bottomCount || rates[metric] < lowest[lowest.count - 1] {
                let rate = rates[metric]
                lowest.insert(rate, at: lowest.firstIndex { $0 > rate } ?? lowest.count)
                if lowest.count > rules.bottomCount { lowest.removeLast() }
            }
            let threshold = month.count > rules.bottomCount ? lowest[rules.bottomCount - 1] : nil
            for (district, rates) in month.enumerated() where threshold.map({ rates[metric] <= $0 }) ?? true {
                occurrences[district] += 1
            }
        }
        return occurrences
    }

    private func missingCells(districtPosition position: Int) -> [String] {
        let first = position * districtCellNames.count
        return districtCellNames.indices.compactMap { filled[first + $0] ? nil : districtCellNames[$0] }
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
