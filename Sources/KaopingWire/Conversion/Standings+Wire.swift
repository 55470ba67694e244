import KaopingCore

extension Kaoping_V1_Ranking {
    /// The feed's form of the standings.
    public init(_ standings: Standings, ledgerPosition: Int, updatedAt: Int64) {
        self.init()
        campaign = standings.campaign
        final = standings.isFinal
        self.ledgerPosition = UInt64(ledgerPosition)
        updatedAtMs = updatedAt
        cellsExpected = UInt32(standings.completeness.expected)
        cellsFilled = UInt32(standings.completeness.filled)
        completeness = Kaoping_V1_CompletenessSummary(standings)
        districts = standings.districts.map { row in
            var rank = Kaoping_V1_DistrictRank()
            rank.district = row.district.id
            rank.name = row.district.name
            rank.total = row.total.description
            rank.rank = UInt32(row.rank)
            rank.grade = row.grade.rawValue
            rank.indicators = row.values.mapValues(\.description)
            rank.missing = row.missing
            return rank
        }
        workers = standings.workers.map { row in
            var rank = Kaoping_V1_WorkerRank()
            rank.worker = row.worker.id
            rank.name = row.worker.name
            rank.district = row.worker.district
            rank.total = row.total.description
            rank.rank = UInt32(row.rank)
            rank.grade = row.grade.rawValue
            return rank
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
