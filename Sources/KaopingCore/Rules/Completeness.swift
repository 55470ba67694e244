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

    /// How many cells the campaign expects.
    public let expected: Int
    /// The cells not yet filled, in catalog order: districts × indicators with their hotline months, then workers.
    public let missing: [Cell]

    public init(expected: Int, missing: [Cell]) {
        self.expected = expected
        self.missing = missing
    }

    public var filled: Int { expected - missing.count }

    /// Whether every expected cell is filled: the ranking is final.
    public var isComplete: Bool { missing.isEmpty }

    /// Missing cells per owner, in the order owners first appear in ``missing``.
    public var missingByOwner: [(owner: String, count: Int)] {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for cell in missing {
            if counts[cell.owner] == nil { order.append(cell.owner) }
            counts[cell.owner, default: 0] += 1
        }
        return order.map { ($0, counts[$0]!) }
    }
}

extension Catalog {
    /// Every cell the campaign expects, in catalog order: for each district its district indicators (hotline as
    /// one cell per month), then for each worker of the roster its worker indicators.
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
