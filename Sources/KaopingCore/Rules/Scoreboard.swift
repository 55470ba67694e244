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
    private var filled: Set<SubmissionKey> = []

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        districtValues = Array(repeating: [:], count: catalog.districts.count)
        hotlineRates = Array(repeating: [:], count: catalog.districts.count)
        workerValues = Array(repeating: [:], count: roster.workers.count)
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
        if value == nil { filled.remove(key) } else { filled.insert(key) }
    }

    // MARK: - Standings

    /// The ranking, grades and completeness of what stands now.
    public func standings() -> Standings {
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

        let totalByDistrict = Dictionary(uniqueKeysWithValues: districtRows.map { ($0.district.id, $0.total) })
        var workerRows = roster.workers.enumerated().map { position, worker in
            workerStanding(worker, values: workerValues[position], districtTotal: totalByDistrict[worker.district]!)
        }
        let workerTotals = SortedValues(workerRows.map(\.total))
        for index in workerRows.indices {
            let total = workerRows[index].total
            workerRows[index].rank = workerTotals.rank(of: total)
            workerRows[index].grade = catalog.workerRules.grade(of: total, in: workerTotals)
        }

        let expected = catalog.expectedCells(roster: roster)
        let completeness = Completeness(
            expected: expected.count, missing: expected.filter { !filled.contains($0.key) })
        return Standings(
            campaign: catalog.campaign,
            districts: districtRows.sorted { ($0.rank, $0.district.id) < ($1.rank, $1.district.id) },
            workers: workerRows.sorted { ($0.rank, $0.worker.id) < ($1.rank, $1.worker.id) },
            completeness: completeness,
            hotlineFlags: hotlineFlags())
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
        let rules = catalog.hotline
        var occurrences = Array(repeating: 0, count: catalog.districts.count)
        for period in rules.periods {
            let month = hotlineRates.compactMap { $0[period] }
            guard month.count == catalog.districts.count, !month.isEmpty else { continue }
            for metric in rules.metrics.indices {
                let population = SortedValues(month.map { $0[metric] })
                for (district, rates) in month.enumerated() where population.countBelow(rates[metric]) < rules.bottomCount {
                    occurrences[district] += 1
                }
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
