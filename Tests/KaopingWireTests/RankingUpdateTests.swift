import Foundation
import Testing
@testable import KaopingCore
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
        // A slower subscriber's copy: every three updates merged into one (FeedSubscriber's coalescing).
        var coalesced = replica
        var pending: Kaoping_V1_RankingUpdate?
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
            let standings = board.update()
            let update = Kaoping_V1_RankingUpdate(standings, ledgerPosition: position, updatedAt: 0, epoch: 1)
            // As the feed sends it: encoded from the standings by hand, decoded by the generated code.
            let received = try Kaoping_V1_RankingUpdate(
                serializedBytes: standings.encoded(ledgerPosition: position, updatedAt: 0, epoch: 1))
            #expect(received == update, "batch \(batch)")
            try replica.apply(received)
            let expected = Kaoping_V1_Ranking(board.standings(), ledgerPosition: position, updatedAt: 0)
            #expect(replica == expected, "batch \(batch)")
            pending = pending.map { $0.merging(received) } ?? received
            if batch % 3 == 0, let merged = pending {
                try coalesced.apply(merged)
                #expect(coalesced == expected, "batch \(batch), three updates merged")
                pending = nil
            }
            #expect(update.districts.count < catalog.districts.count || batch == 1)
        }
    }

    /// A ranking whose rows are not in order (one made elsewhere) is ranked whole by the rule: higher total first,
    /// ties by id and sharing a rank, each row graded by the update's boundaries; the rows it lists replace theirs.
    @Test func aRankingOutOfOrderIsRankedWhole() throws {
        func row(_ id: String, _ total: String, grade: String = "") -> Kaoping_V1_DistrictRank {
            var row = Kaoping_V1_DistrictRank()
            (row.district, row.name, row.total, row.grade) = (id, "name of \(id)", total, grade)
            row.indicators = ["party_building": total]
            return row
        }
        var ranking = Kaoping_V1_Ranking()
        ranking.campaign = "c"
        ranking.districts = [row("A", "5"), row("E", "7"), row("C", "5"), row("D", "9.5"), row("B", "7")]
        var update = Kaoping_V1_RankingUpdate()
        update.campaign = "c"
        update.districts = [row("C", "8"), row("F", "6")]
        update.districtGrades.steps = [("excellent", "8"), ("good", "6")].map { grade, from in
            var step = Kaoping_V1_GradeStep()
            (step.grade, step.from) = (grade, from)
            return step
        }
        update.districtGrades.otherwise = "ordinary"
        try ranking.apply(update)
        #expect(ranking.districts.map(\.district) == ["D", "C", "B", "E", "F", "A"])
        #expect(ranking.districts.map(\.rank) == [1, 2, 3, 3, 5, 6])
        #expect(ranking.districts.map(\.grade) == ["excellent", "excellent", "good", "good", "good", "ordinary"])
        #expect(ranking.districts.map(\.total) == ["9.5", "8", "7", "7", "6", "5"])
        #expect(ranking.districts.map(\.name) == ranking.districts.map { "name of \($0.district)" })
        #expect(ranking.districts.allSatisfy { $0.indicators == ["party_building": $0.total] })
    }

    /// Every field set, lengths that take more than one byte, a negative time, empty strings where they are still
    /// written, grades without steps: the bytes are SwiftProtobuf's own for the message the standings make (maps of
    /// one entry, so that no order can differ), and with maps of many entries the same message decodes.
    @Test func anUpdateEncodedByHandIsWhatTheGeneratedCodeWrites() throws {
        func district(_ id: String, name: String, values: [String: ExactDecimal], missing: [String])
            -> DistrictStanding
        {
            DistrictStanding(
                district: District(id: id, name: name), total: ExactDecimal(units: 873_500), rank: 130, grade: .good,
                values: values, missing: missing, hotlineOccurrences: 2)
        }
        // 240 bytes of name: a two-byte length, in a row over 127 bytes.
        let first = district("D01", name: String(repeating: "中山", count: 40), values: ["": ExactDecimal(units: -5)],
                             missing: ["", "hotline:2023-03"])
        let plain = DistrictStanding(
            district: District(id: "D02", name: ""), total: .zero, rank: 0, grade: .ordinary, values: [:], missing: [],
            hotlineOccurrences: 0)
        func update(_ districts: [DistrictStanding]) -> StandingsUpdate {
            StandingsUpdate(
                campaign: "zhongshan-2023", districts: districts,
                workers: [
                    WorkerStanding(
                        worker: Worker(id: "W0101", name: "w", district: "D01"), total: ExactDecimal(units: 665_000),
                        rank: 1, grade: .qualified, values: ["worker_leader_review": ExactDecimal(60)]),
                    WorkerStanding(
                        worker: Worker(id: "", name: "", district: ""), total: .zero, rank: 0, grade: .unqualified,
                        values: [:]),
                ],
                owed: [
                    Completeness.Owed(owner: "city_ops", count: 0), Completeness.Owed(owner: "leader:D01", count: 3),
                ],
                expected: 132_000, filled: 132_000,
                districtGrades: GradeBoundaries(
                    steps: [.init(grade: .excellent, from: ExactDecimal(90)), .init(grade: .good, from: .zero)],
                    otherwise: .ordinary),
                workerGrades: GradeBoundaries(steps: [], otherwise: .unqualified))
        }
        let (position, at, epoch): (Int, Timestamp, Int64) = (300_000, -1, 1_764_000_000_000)
        let small = update([first, plain])
        let message = Kaoping_V1_RankingUpdate(small, ledgerPosition: position, updatedAt: at, epoch: epoch)
        #expect(message.final && message.districts[0].indicators == ["": "-0.0005"])
        #expect(small.encoded(ledgerPosition: position, updatedAt: at, epoch: epoch) == (try message.serializedBytes()))

        let values = Dictionary(
            uniqueKeysWithValues: (0..<300).map { ("i\($0)", ExactDecimal(units: Int64($0) * 5_000)) })
        let large = update([district("D01", name: "中山", values: values, missing: []), plain])
        let largeMessage = Kaoping_V1_RankingUpdate(large, ledgerPosition: position, updatedAt: at, epoch: epoch)
        let encoded = large.encoded(ledgerPosition: position, updatedAt: at, epoch: epoch)
        #expect(try Kaoping_V1_RankingUpdate(serializedBytes: encoded) == largeMessage)
        #expect(encoded.count == (try largeMessage.serializedBytes() as Data).count)
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
