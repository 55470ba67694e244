import Foundation
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
            // As the feed sends it: encoded by hand, decoded by the generated code.
            let received = try Kaoping_V1_RankingUpdate(serializedBytes: update.encoded())
            #expect(received == update, "batch \(batch)")
            try replica.apply(received)
            let expected = Kaoping_V1_Ranking(board.standings(), ledgerPosition: position, updatedAt: 0)
            #expect(replica == expected, "batch \(batch)")
            #expect(update.districts.count < catalog.districts.count || batch == 1)
        }
    }

    /// Every field set, lengths that take more than one byte, a negative time, empty strings where they are still
    /// written: the bytes are SwiftProtobuf's own (maps of one entry, so that no order can differ), and with maps
    /// of many entries the same message decodes.
    @Test func anUpdateEncodedByHandIsWhatTheGeneratedCodeWrites() throws {
        var update = Kaoping_V1_RankingUpdate()
        update.campaign = "zhongshan-2023"
        update.final = true
        update.ledgerPosition = 300_000
        update.updatedAtMs = -1
        update.epoch = 1_764_000_000_000
        update.cellsExpected = 132_000
        update.cellsFilled = 129
        var district = Kaoping_V1_DistrictRank()
        district.district = "D01"
        district.name = String(repeating: "中山", count: 40)  // 240 bytes: a two-byte length, in a row over 127
        district.total = "87.35"
        district.rank = 130
        district.grade = "good"
        district.indicators = ["": ""]
        district.missing = ["", "hotline:2023-03"]
        var plain = Kaoping_V1_DistrictRank()
        plain.district = "D02"
        update.districts = [district, plain]
        var worker = Kaoping_V1_WorkerRank()
        (worker.worker, worker.name, worker.district) = ("W0101", "w", "D01")
        (worker.total, worker.rank, worker.grade) = ("66.5", 1, "qualified")
        update.workers = [worker, Kaoping_V1_WorkerRank()]
        var owed = Kaoping_V1_Owed()
        (owed.submitter, owed.missing) = ("city_ops", 0)
        update.owed = [owed]
        var step = Kaoping_V1_GradeStep()
        (step.grade, step.from) = ("excellent", "90")
        update.districtGrades.steps = [step, Kaoping_V1_GradeStep()]
        update.districtGrades.otherwise = "ordinary"
        update.workerGrades = Kaoping_V1_GradeBoundaries()  // present but empty: still written
        #expect(update.encoded() == (try update.serializedBytes()))

        update.districts[0].indicators = Dictionary(uniqueKeysWithValues: (0..<300).map { ("i\($0)", "\($0).5") })
        let encoded = update.encoded()
        #expect(try Kaoping_V1_RankingUpdate(serializedBytes: encoded) == update)
        #expect(encoded.count == (try update.serializedBytes() as Data).count)
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
