/// Which expected cells of a campaign are filled and who owes the rest (RULES.md §7).
public struct Completeness: Hashable, Sendable {
    /// One expected value: a key and the submitter who owes it.
    public struct Cell: Hashable, Sendable {
        public let key: SubmissionKey
        public let owner: String

        public init(key: SubmissionKey, owner: String) {
            self.key = key
            self.owner = owner
        }
    }

    /// How many cells one submitter still owes.
    public struct Owed: Hashable, Sendable {
        public let owner: String
        public let count: Int
    }

    /// How many cells the campaign expects.
    public let expected: Int
    /// How many of them are filled.
    public let filled: Int
    /// Missing cells per owner, in catalog order of the owners.
    public let missingByOwner: [Owed]
    /// The cells not yet filled, in catalog order — listed only when asked for
    /// (``Scoreboard/standings(detailed:)``), since a city has hundreds of thousands of cells.
    public let missing: [Cell]

    public init(expected: Int, filled: Int, missingByOwner: [Owed], missing: [Cell]) {
        self.expected = expected
        self.filled = filled
        self.missingByOwner = missingByOwner
        self.missing = missing
    }

    /// Whether every expected cell is filled: the ranking is final.
    public var isComplete: Bool { filled == expected }

    /// How many cells are missing.
    public var missingCount: Int { expected - filled }
}

/// How many cells a district misses, its own and its workers', and how many workers it has.
public struct DistrictCompleteness: Hashable, Sendable {
    public let district: String
    public let missing: Int
    public let workers: Int

    public init(district: String, missing: Int, workers: Int) {
        self.district = district
        self.missing = missing
        self.workers = workers
    }
}

extension Catalog {
    /// Every cell the campaign expects, in catalog order: for each district its district indicators (hotline as
    /// one cell per month), then for each worker of the roster its worker indicators (``CellIndex`` numbers them
    /// in this order without listing them).
    public func expectedCells(roster: Roster) -> [Completeness.Cell] {
        districts.flatMap { expectedCells(ofDistrict: $0.id) } + roster.workers.flatMap(expectedCells(ofWorker:))
    }

    /// A district's own cells: its district indicators, the hotline as one cell per month.
    public func expectedCells(ofDistrict district: String) -> [Completeness.Cell] {
        districtIndicators.flatMap { indicator in
            (indicator.scope == .hotline ? hotline.periods : [""]).map { period in
                Completeness.Cell(
                    key: SubmissionKey(campaign: campaign, indicator: indicator.id, district: district, period: period),
                    owner: indicator.owner(district: district))
            }
        }
    }

    /// A worker's cells: the worker indicators.
    public func expectedCells(ofWorker worker: Worker) -> [Completeness.Cell] {
        workerIndicators.map { indicator in
            Completeness.Cell(
                key: SubmissionKey(
                    campaign: campaign, indicator: indicator.id, district: worker.district, worker: worker.id),
                owner: indicator.owner(district: worker.district))
        }
    }
}
