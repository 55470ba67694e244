import KaopingCore
import Testing
@testable import KaopingWire

/// A subscriber's copy of the ranking, kept by applying each `RankingUpdate` to the snapshot, against the ranking
/// recomputed from scratch after every batch — field for field, completeness included.
@Suite struct RankingUpdateTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func applyingUpdatesGivesTheRankingASnapshotWould(seed: UInt64) throws {
        var random = Xorshift(seed: seed)
        let catalog = Catalog.zhongshan2023
        let workers = catalog.districts.flatMap { district in
            (1...2).map { Worker(id: "W-\(district.id)-\($0)", name: "w", district: district.id) }
        }
        let roster = try Roster(workers: workers, catalog: catalog)
        var board = Scoreboard(catalog: catalog, roster: roster)
        var replica = Kaoping_V1_Ranking(board.standings(), ledgerPosition: 0, updatedAt: 0)
        _ = board.update()
        var standing: [SubmissionKey: AcceptedSubmission] = [:]
        var position = 0
        for batch in 1...40 {
            for _ in 0..<Int(random.next() % 12 + 1) {
                position += 1
                let district = catalog.districts[Int(random.next() % UInt64(catalog.districts.count))].id
                let score = "\(random.next() % 10).\(random.next() % 100)"
                let submission: Submission
                switch random.next() % 4 {
                case 0:
                    let period = catalog.hotline.periods[Int(random.next() % 2)]
                    let rates = Dictionary(uniqueKeysWithValues: catalog.hotline.metrics.map {
                        ($0.id, "\(70 + random.next() % 30)")
                    })
                    submission = Submission(
                        id: "s\(position)", submitter: "city_ops", campaign: catalog.campaign, indicator: "hotline",
                        district: district, period: period, hotline: rates)
                case 1:
                    submission = Submission(
                        id: "s\(position)", submitter: "assessment_team", campaign: catalog.campaign,
                        indicator: "worker_democratic_review", district: district, worker: "W-\(district)-1",
                        score: "6\(random.next() % 10)", participants: 45)
                default:
                    submission = Submission(
                        id: "s\(position)", submitter: "party_office", campaign: catalog.campaign,
                        indicator: "party_building", district: district, score: score)
                }
                if let old = standing[submission.key] {
                    board.void(old.submission.key)  // a reopen, then the new value
                }
                guard case .success(let value) = catalog.validate(submission, roster: roster) else {
                    Issue.record("generated an invalid submission: \(submission)")
                    return
                }
                let entry = AcceptedSubmission(submission: submission, value: value, position: position)
                standing[submission.key] = entry
                board.apply(entry)
            }
            if batch % 7 == 0, let key = standing.keys.sorted(by: { $0.description < $1.description }).first {
                board.void(key)
                standing[key] = nil
            }
            let update = Kaoping_V1_RankingUpdate(board.update(), ledgerPosition: position, updatedAt: 0, epoch: 1)
            try replica.apply(update)
            let expected = Kaoping_V1_Ranking(board.standings(), ledgerPosition: position, updatedAt: 0)
            #expect(replica == expected, "batch \(batch)")
            #expect(update.districts.count < catalog.districts.count || batch == 1)
        }
    }

    @Test func anUpdateForAnotherCampaignIsRefused() {
        var ranking = Kaoping_V1_Ranking()
        ranking.campaign = "zhongshan-2023"
        var update = Kaoping_V1_RankingUpdate()
        update.campaign = "other"
        #expect(throws: WireError.self) { try ranking.apply(update) }
    }
}

/// A small seeded generator, so that a failure can be replayed.
struct Xorshift {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
