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

extension Catalog {
    /// Every cell the campaign expects, in catalog order: for each district its district indicators (hotline as
    /// one cell per month), then for each worker of the roster its worker indicators (``CellIndex`` numbers them
    /// in this order without listing them).
    public func expectedCells(roster: Roster) -> [Completeness.Cell] {
        var cells: [Completeness.Cell] = []
        for district in districts {
            for indicator in districtIndicators {
                let periods = indicator.scope == .hotline ? hotline.periods : [""]
                for period in periods {
                    let key = SubmissionKey(
                        campaign: campaign, indicator: indicator.id, district: district.id, period: period)
                    cells.append(.init(key: key, owner: indicator.owner(district: district.id)))
                }
            }
        }
        for worker in roster.workers {
            for indicator in workerIndicators {
                let key = SubmissionKey(
                    campaign: campaign, indicator: indicator.id, district: worker.district, worker: worker.id)
                cells.append(.init(key: key, owner: indicator.owner(district: worker.district)))
            }
        }
        return cells
    }
}
