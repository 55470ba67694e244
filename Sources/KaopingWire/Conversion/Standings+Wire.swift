import KaopingCore

extension Kaoping_V1_Ranking {
    /// The feed's form of the standings.
    public init(_ standings: Standings, ledgerPosition: Int, updatedAt: Timestamp) {
        self.init()
        campaign = standings.campaign
        final = standings.isFinal
        self.ledgerPosition = UInt64(ledgerPosition)
        updatedAtMs = updatedAt.milliseconds
        cellsExpected = UInt32(standings.completeness.expected)
        cellsFilled = UInt32(standings.completeness.filled)
        completeness = Kaoping_V1_CompletenessSummary(standings)
        districts = standings.districts.map(Kaoping_V1_DistrictRank.init)
        workers = standings.workers.map(Kaoping_V1_WorkerRank.init)
    }
}

extension Kaoping_V1_DistrictRank {
    public init(_ row: DistrictStanding) {
        self.init()
        district = row.district.id
        name = row.district.name
        total = row.total.description
        rank = UInt32(row.rank)
        grade = row.grade.rawValue
        indicators = row.values.mapValues(\.description)
        missing = row.missing
    }
}

extension Kaoping_V1_WorkerRank {
    public init(_ row: WorkerStanding) {
        self.init()
        worker = row.worker.id
        name = row.worker.name
        district = row.worker.district
        total = row.total.description
        rank = UInt32(row.rank)
        grade = row.grade.rawValue
    }
}

extension Kaoping_V1_RankingUpdate {
    /// The feed's form of an update.
    public init(_ update: StandingsUpdate, ledgerPosition: Int, updatedAt: Timestamp, epoch: Int64) {
        self.init()
        campaign = update.campaign
        final = update.isFinal
        self.ledgerPosition = UInt64(ledgerPosition)
        updatedAtMs = updatedAt.milliseconds
        self.epoch = epoch
        districts = update.districts.map(Kaoping_V1_DistrictRank.init)
        workers = update.workers.map(Kaoping_V1_WorkerRank.init)
        cellsExpected = UInt32(update.expected)
        cellsFilled = UInt32(update.filled)
        owed = update.owed.map(Kaoping_V1_Owed.init)
        districtGrades = Kaoping_V1_GradeBoundaries(update.districtGrades)
        workerGrades = Kaoping_V1_GradeBoundaries(update.workerGrades)
    }
}

extension Kaoping_V1_GradeBoundaries {
    public init<Grade: RawRepresentable<String>>(_ boundaries: GradeBoundaries<Grade>) {
        self.init()
        steps = boundaries.steps.map { step in
            var wire = Kaoping_V1_GradeStep()
            wire.grade = step.grade.rawValue
            wire.from = step.from.description
            return wire
        }
        otherwise = boundaries.otherwise.rawValue
    }

    /// The boundaries, grades kept as their codes.
    func parsed() throws -> GradeBoundaries<String> {
        GradeBoundaries(
            steps: try steps.map { step in
                guard
                    let from = try? ExactDecimal.parseSigned(
                        step.from, maxFractionDigits: ExactDecimal.fractionDigits)
                else { throw WireError("grade boundary '\(step.from)' of \(step.grade) is not an exact decimal") }
                return .init(grade: step.grade, from: from)
            },
            otherwise: otherwise)
    }
}

extension Kaoping_V1_Owed {
    public init(_ owed: Completeness.Owed) {
        self.init()
        submitter = owed.owner
        missing = UInt32(owed.count)
    }
}

extension Kaoping_V1_Ranking {
    /// Applies a feed update by the protocol's rule: the rows it lists replace those with the same id; then every
    /// row ranks 1 + the number of rows with a strictly higher total (rows listed by rank, then id) and takes the
    /// grade its total reaches in the update's boundaries; owed counts are replaced (0 removes the submitter); the
    /// feedback counts, when the update carries them, replace those held.
    public mutating func apply(_ update: Kaoping_V1_RankingUpdate) throws {
        guard update.campaign == campaign else {
            throw WireError("an update for campaign '\(update.campaign)' cannot apply to '\(campaign)'")
        }
        districts = try Self.reranked(
            districts, replacing: update.districts, grades: try update.districtGrades.parsed())
        workers = try Self.reranked(workers, replacing: update.workers, grades: try update.workerGrades.parsed())
        completeness.owed = Self.replacing(completeness.owed, with: update.owed, id: \.submitter)
            .filter { $0.missing > 0 }
        completeness.campaign = campaign
        completeness.cellsExpected = update.cellsExpected
        completeness.cellsFilled = update.cellsFilled
        cellsExpected = update.cellsExpected
        cellsFilled = update.cellsFilled
        final = update.final
        ledgerPosition = update.ledgerPosition
        updatedAtMs = update.updatedAtMs
        if update.hasFeedback { feedback = update.feedback }
    }

    /// The rows of `rows` with those of `later` put in place of the ones with the same id (new ids at the end).
    fileprivate static func replacing<Row>(_ rows: [Row], with later: [Row], id: (Row) -> String) -> [Row] {
        guard !later.isEmpty else { return rows }
        var position = Dictionary(rows.enumerated().map { (id($1), $0) }, uniquingKeysWith: { first, _ in first })
        var rows = rows
        for row in later {
            if let index = position[id(row)] {
                rows[index] = row
            } else {
                position[id(row)] = rows.count
                rows.append(row)
            }
        }
        return rows
    }

    private static func reranked<Row: RankedRow>(
        _ rows: [Row], replacing changed: [Row], grades: GradeBoundaries<String>
    ) throws -> [Row] {
        // Rows in order: higher total first, then id. The ranking lists its rows so, and an update lists few: the
        // rows it leaves alone keep their order, its own are sorted and merged in (O(n + k log k); a city's ranking
        // is 6 000 rows and more). Rows out of order (a ranking from elsewhere) are sorted whole. Rows are read in
        // place and each copied once, into the result: this runs at every update a subscriber applies, and a copy
        // of a row retains its strings, its indicators and its missing cells.
        func parsed(_ row: Row) throws -> ExactDecimal {
            guard let value = try? ExactDecimal.parseSigned(row.total, maxFractionDigits: ExactDecimal.fractionDigits)
            else { throw WireError("total '\(row.total)' of \(row.rankedID) is not an exact decimal") }
            return value
        }
        let listed = replacing([], with: changed, id: \.rankedID)
        let replaced = Set(listed.map(\.rankedID))
        var kept = RankedOrder(capacity: rows.count)
        for index in rows.indices {
            if !replaced.isEmpty, replaced.contains(rows[index].rankedID) { continue }
            kept.append(index, total: try parsed(rows[index]), of: rows)
        }
        var added = RankedOrder(capacity: listed.count)
        for index in listed.indices { added.append(index, total: try parsed(listed[index]), of: listed) }
        kept.sort(rows)
        added.sort(listed)
        var result: [Row] = []
        result.reserveCapacity(kept.count + added.count)
        var (next, nextAdded) = (0, 0)
        var rank: UInt32 = 0
        var previous: ExactDecimal?
        while next < kept.count || nextAdded < added.count {
            let fromKept =
                nextAdded == added.count
                || (next < kept.count
                    && RankedOrder.precedes(
                        kept.totals[next], rows[kept.indices[next]], added.totals[nextAdded],
                        listed[added.indices[nextAdded]]))
            let rowTotal = fromKept ? kept.totals[next] : added.totals[nextAdded]
            result.append(fromKept ? rows[kept.indices[next]] : listed[added.indices[nextAdded]])
            if fromKept { next += 1 } else { nextAdded += 1 }
            // Competition rank: a row tied with the one before it shares its rank (1, 2, 2, 4).
            if previous != rowTotal { rank = UInt32(result.count) }
            previous = rowTotal
            let grade = grades.grade(of: rowTotal)
            let last = result.count - 1
            if result[last].rank != rank { result[last].rank = rank }
            if result[last].grade != grade { result[last].grade = grade }
        }
        return result
    }
}

/// A row of a ranking: a district's or a worker's, ranked by its total and graded.
protocol RankedRow {
    var rankedID: String { get }
    var total: String { get }
    var rank: UInt32 { get set }
    var grade: String { get set }
}

extension Kaoping_V1_DistrictRank: RankedRow {
    var rankedID: String { district }
}

extension Kaoping_V1_WorkerRank: RankedRow {
    var rankedID: String { worker }
}

/// Rows of an array named by their index, with their totals, for re-ranking without copying the rows: in order when
/// higher totals come first, then ids.
private struct RankedOrder {
    var indices: [Int] = []
    var totals: [ExactDecimal] = []
    var inOrder = true

    init(capacity: Int) {
        indices.reserveCapacity(capacity)
        totals.reserveCapacity(capacity)
    }

    var count: Int { indices.count }

    /// The one order of a ranking: a higher total first, then the lower id.
    static func precedes<Row: RankedRow>(_ total: ExactDecimal, _ row: Row, _ otherTotal: ExactDecimal, _ other: Row)
        -> Bool
    {
        total != otherTotal ? total > otherTotal : row.rankedID < other.rankedID
    }

    /// Adds `rows[index]`, whose total is `total`.
    mutating func append<Row: RankedRow>(_ index: Int, total: ExactDecimal, of rows: [Row]) {
        if let last = indices.last, !Self.precedes(totals[totals.count - 1], rows[last], total, rows[index]) {
            inOrder = false
        }
        indices.append(index)
        totals.append(total)
    }

    /// Sorted by the rows of `rows` they name, when not already.
    mutating func sort<Row: RankedRow>(_ rows: [Row]) {
        guard !inOrder else { return }
        let order = indices.indices.sorted { a, b in
            Self.precedes(totals[a], rows[indices[a]], totals[b], rows[indices[b]])
        }
        (indices, totals) = (order.map { indices[$0] }, order.map { totals[$0] })
        inOrder = true
    }
}

extension Kaoping_V1_RankingUpdate {
    /// This update followed by `later` (the next in sequence) as one: applying it is applying both in turn, since
    /// applying re-ranks every row from its total and the latest boundaries. Rows and owed counts listed by both take
    /// `later`'s; everything else is `later`'s.
    public func merging(_ later: Kaoping_V1_RankingUpdate) -> Kaoping_V1_RankingUpdate {
        var merged = later
        merged.districts = Kaoping_V1_Ranking.replacing(districts, with: later.districts, id: \.district)
        merged.workers = Kaoping_V1_Ranking.replacing(workers, with: later.workers, id: \.worker)
        merged.owed = Kaoping_V1_Ranking.replacing(owed, with: later.owed, id: \.submitter)
        return merged
    }
}

extension Kaoping_V1_CompletenessSummary {
    public init(_ standings: Standings) {
        self.init()
        campaign = standings.campaign
        cellsExpected = UInt32(standings.completeness.expected)
        cellsFilled = UInt32(standings.completeness.filled)
        owed = standings.completeness.missingByOwner.map { missing in
            var owed = Kaoping_V1_Owed()
            owed.submitter = missing.owner
            owed.missing = UInt32(missing.count)
            return owed
        }
    }
}
