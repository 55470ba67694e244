import Foundation
import KaopingCore
import KaopingStore
import KaopingTestSupport
import KaopingWire
import Testing
import ZeroMQ
@testable import KaopingAggregator

/// The feedback loop in the ledger keeper: the counts on the feed follow the days, and a list stays within what the
/// endpoint that asked can carry.
@Suite struct FeedbackKeeperTests {
    /// A finding by the party office about `district` (which it scores: party_building).
    static func finding(
        _ id: String, district: String = "D05", text: String = "台账不全", due: String, by party: SigningIdentity
    ) throws -> Data {
        try SignedEnvelope.seal(
            FeedbackStep.finding(Finding(
                id: id, submitter: "party_office", campaign: "zhongshan-2023", district: district,
                indicator: "party_building", text: text, planDue: due)).wire(signedAt: 1),
            type: .finding, campaign: "zhongshan-2023", by: party)
    }

    static func counts(_ published: PublishedState) async throws -> Kaoping_V1_FeedbackCounts? {
        var updates = published.stream.makeAsyncIterator()
        let (_, next) = try #require(await updates.next())
        let update = try Kaoping_V1_RankingUpdate(serializedBytes: next.encoded())
        return update.hasFeedback ? update.feedback : nil
    }

    @Test func aFindingFallsOverdueOnTheFeedWhenItsDayPasses() async throws {
        let fixture = try KeeperFixture()
        // The fixture's clock stands at 2023-11-15 06:13 China Standard Time; the plan is due that day.
        #expect(CalendarDay(of: fixture.clock.now).text == "2023-11-15")
        let envelope = try Self.finding("F1", due: "2023-11-15", by: fixture.party)
        try await fixture.keeper.process([.ingest(try KeeperFixture.routed("office", envelope))])
        let raised = try #require(try await Self.counts(fixture.published))
        #expect(raised.districts.map { [$0.id: [$0.open, $0.overdue]] } == [["D05": [1, 0]]])
        #expect(raised.departments.first?.id == "party_office" && raised.today == "2023-11-15")

        await fixture.keeper.publishFeedbackCountsIfChanged()  // the same day: nothing to publish
        fixture.clock.advance(by: .seconds(24 * 3600))
        await fixture.keeper.publishFeedbackCountsIfChanged()
        let late = try #require(try await Self.counts(fixture.published))
        #expect(late.districts.map { [$0.id: [$0.open, $0.overdue]] } == [["D05": [1, 1]]])
        #expect(late.today == "2023-11-16" && fixture.published.sequence == 2)
        // A late joiner's snapshot carries the counts too, and a restarted keeper rebuilds them from the store.
        let snapshot = try Kaoping_V1_Snapshot(serializedBytes: await fixture.keeper.snapshot())
        #expect(snapshot.ranking.feedback == late)
        let restarted = try Kaoping_V1_Snapshot(serializedBytes: await fixture.restarted().snapshot())
        #expect(restarted.ranking.feedback.districts == late.districts)
    }

    @Test func aListStaysWithinWhatTheAskingEndpointCarries() async throws {
        let fixture = try KeeperFixture()
        // 120 findings of about 6 KB each (2 000 characters of Chinese): 720 KB of envelopes.
        let text = String(repeating: "台", count: 2_000)
        let districts = (1...22).map { $0 < 10 ? "D0\($0)" : "D\($0)" }
        let findings = try (0..<120).map { number in
            try Self.finding(
                "F\(number)", district: districts[number % 22], text: text, due: "2099-01-01", by: fixture.party)
        }
        try await fixture.keeper.process(try findings.map { .ingest(try KeeperFixture.routed("office", $0)) })
        var query = Kaoping_V1_FeedbackQuery()
        query.signedAtMs = fixture.clock.now.milliseconds
        let asked = try SignedEnvelope.seal(query, type: .feedbackQuery, campaign: "zhongshan-2023", by: fixture.party)
        func list(on work: Work) async throws -> Kaoping_V1_FeedbackList {
            fixture.replies.clear()
            try await fixture.keeper.process([work])
            let answer = try SignedEnvelope.decode(
                try #require(fixture.replies.all.last?.frames.last), limit: SignedEnvelope.maximumControlReplyBytes)
            #expect(answer.type == "feedback_list")
            return try Kaoping_V1_FeedbackList(serializedBytes: answer.payload)
        }
        let ingest = try await list(on: .ingest(try KeeperFixture.routed("office", asked)))
        #expect(ingest.truncated && ingest.items.count > 50 && ingest.items.count < 120, "\(ingest.items.count)")
        #expect((try ingest.serializedBytes() as Data).count <= LedgerKeeper.feedbackListBytes.ingest)
        #expect(ingest.items.map(\.findingID) == (0..<ingest.items.count).map { "F\($0)" })
        let control = try await list(on: .control(try KeeperFixture.routed("cli", asked)))
        #expect(!control.truncated && control.items.count == 120 && control.error.isEmpty)
    }
}
