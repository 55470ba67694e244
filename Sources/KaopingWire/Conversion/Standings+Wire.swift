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
            row.rank = rank
            row.grade = grade
        }
        workers = try Self.reranked(
            workers, replacing: update.workers, id: \.worker, total: \.total, grades: try update.workerGrades.parsed()
        ) { row, rank, grade in
            row.rank = rank
            row.grade = grade
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

    private static func reranked<Row>(
        _ rows: [Row], replacing changed: [Row], id: (Row) -> String, total: (Row) -> String,
        grades: GradeBoundaries<String>, assign: (inout Row, UInt32, String) -> Void
    ) throws -> [Row] {
        var position = Dictionary(rows.enumerated().map { (id($1), $0) }, uniquingKeysWith: { first, _ in first })
        var rows = rows
        for row in changed {
            if let index = position[id(row)] {
                rows[index] = row
            } else {
                position[id(row)] = rows.count
                rows.append(row)
            }
        }
        let totals = try rows.map { row in
            guard let value = try? ExactDecimal.parseSigned(total(row), maxFractionDigits: ExactDecimal.fractionDigits)
            else { throw WireError("total '\(total(row))' of \(id(row)) is not an exact decimal") }
            return value
        }
        let order = rows.indices.sorted { (-totals[$0], id(rows[$0])) < (-totals[$1], id(rows[$1])) }
        var rank: UInt32 = 0
        return order.enumerated().map { place, index in
            // Competition rank: a row tied with the one before it shares its rank (1, 2, 2, 4).
            if place == 0 || totals[order[place - 1]] != totals[index] { rank = UInt32(place + 1) }
            var row = rows[index]
            assign(&row, rank, grades.grade(of: totals[index]))
            return row
        }
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
