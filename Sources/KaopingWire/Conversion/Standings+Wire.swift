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
    /// grade its total reaches in the update's boundaries; owed counts are replaced (0 removes the submitter).
    public mutating func apply(_ update: Kaoping_V1_RankingUpdate) throws {
        guard update.campaign == campaign else {
            throw WireError("an update for campaign '\(update.campaign)' cannot apply to '\(campaign)'")
        }
        districts = try Self.reranked(
            districts, replacing: update.districts, id: \.district, total: \.total,
            grades: try update.districtGrades.parsed()
        ) { row, rank, grade in
            // Set only what changed: a protobuf row's setter copies its storage when the row is shared.
            if row.rank != rank { row.rank = rank }
            if row.grade != grade { row.grade = grade }
        }
        workers = try Self.reranked(
            workers, replacing: update.workers, id: \.worker, total: \.total, grades: try update.workerGrades.parsed()
        ) { row, rank, grade in
            if row.rank != rank { row.rank = rank }
            if row.grade != grade { row.grade = grade }
        }
        var owed = completeness.owed
        var place = Dictionary(owed.enumerated().map { ($1.submitter, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in update.owed {
            if let index = place[entry.submitter] {
                owed[index].missing = entry.missing
            } else {
                place[entry.submitter] = owed.count
                owed.append(entry)
            }
        }
        completeness.owed = owed.filter { $0.missing > 0 }
        completeness.campaign = campaign
        completeness.cellsExpected = update.cellsExpected
        completeness.cellsFilled = update.cellsFilled
        cellsExpected = update.cellsExpected
        cellsFilled = update.cellsFilled
        final = update.final
        ledgerPosition = update.ledgerPosition
        updatedAtMs = update.updatedAtMs
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

    private static func reranked<Row>(
        _ rows: [Row], replacing changed: [Row], id: (Row) -> String, total: (Row) -> String,
        grades: GradeBoundaries<String>, assign: (inout Row, UInt32, String) -> Void
    ) throws -> [Row] {
        // Rows in order: higher total first, then id. The ranking lists its rows so, and an update lists few: the
        // rows it leaves alone keep their order, its own are sorted and merged in (O(n + k log k); a city's ranking
        // is 6 000 rows and more). Rows out of order (a ranking from elsewhere) are sorted whole.
        typealias Key = (total: ExactDecimal, id: String)
        func key(_ row: Row) throws -> Key {
            guard let value = try? ExactDecimal.parseSigned(total(row), maxFractionDigits: ExactDecimal.fractionDigits)
            else { throw WireError("total '\(total(row))' of \(id(row)) is not an exact decimal") }
            return (value, id(row))
        }
        func before(_ a: Key, _ b: Key) -> Bool { a.total != b.total ? a.total > b.total : a.id < b.id }
        let listed = replacing([], with: changed, id: id)
        let replaced = Set(listed.map(id))
        var kept: [(key: Key, row: Row)] = []
        kept.reserveCapacity(rows.count)
        var inOrder = true
        for row in rows where !replaced.contains(id(row)) {
            let entry = (key: try key(row), row: row)
            if let last = kept.last, !before(last.key, entry.key) { inOrder = false }
            kept.append(entry)
        }
        if !inOrder { kept.sort { before($0.key, $1.key) } }
        let added = try listed.map { (key: try key($0), row: $0) }.sorted { before($0.key, $1.key) }
        var merged: [(key: Key, row: Row)] = []
        merged.reserveCapacity(kept.count + added.count)
        var (next, nextAdded) = (0, 0)
        while next < kept.count || nextAdded < added.count {
            if nextAdded == added.count || (next < kept.count && before(kept[next].key, added[nextAdded].key)) {
                merged.append(kept[next])
                next += 1
            } else {
                merged.append(added[nextAdded])
                nextAdded += 1
            }
        }
        var rank: UInt32 = 0
        return merged.enumerated().map { place, entry in
            // Competition rank: a row tied with the one before it shares its rank (1, 2, 2, 4).
            if place == 0 || merged[place - 1].key.total != entry.key.total { rank = UInt32(place + 1) }
            var row = entry.row
            assign(&row, rank, grades.grade(of: entry.key.total))
            return row
        }
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
