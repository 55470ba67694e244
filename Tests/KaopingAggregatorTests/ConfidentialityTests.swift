import Foundation
import KaopingClient
import KaopingCore
import KaopingWire
import Testing
import ZeroMQ

/// Results name people and their grades: with CURVE, only the keyring's viewers and operators read the feed, the
/// snapshot and the status; a stranger's key, a department's key and a revoked viewer get nothing.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ConfidentialityTests {
    /// A subscriber connecting with `keys`; its first snapshot is not taken yet.
    private func subscriber(_ harness: AggregatorHarness, _ keys: CurveKeyPair) throws -> FeedSubscriber {
        let server = try #require(harness.aggregatorIdentity.transport?.publicKey)
        return try FeedSubscriber(
            feed: harness.endpoint("feed"), snapshot: harness.endpoint("snapshot"), campaign: "zhongshan-2023",
            context: harness.context, curve: CurveClient(serverKey: server, keys: keys))
    }

    private func keys(_ harness: AggregatorHarness, _ submitter: String) throws -> CurveKeyPair {
        let transport = try #require(harness.identities[submitter]?.transport)
        return CurveKeyPair(publicKey: transport.publicKey, secretKey: transport.secretKey)
    }

    /// The first ranking within `seconds` that `wanted` accepts (any, by default), skipping heartbeats; nil if none.
    private func nextRanking(
        _ feed: FeedSubscriber, within seconds: Double, where wanted: (Kaoping_V1_Ranking) -> Bool = { _ in true }
    ) -> Kaoping_V1_Ranking? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if case .ranking(_, let ranking, _)? = try? feed.next(timeout: 100), wanted(ranking) { return ranking }
        }
        return nil
    }

    @Test func onlyListedViewersReadAndARevokedOneStopsAtOnce() throws {
        let harness = try AggregatorHarness(
            submitters: ["party_office", "viewer:board", "viewer:press"], curve: true)
        try harness.start()
        defer { harness.stop() }

        let board = try subscriber(harness, try keys(harness, "viewer:board"))
        let press = try subscriber(harness, try keys(harness, "viewer:press"))
        #expect(try board.resnapshot().isRanking && press.resnapshot().isRanking)

        // A stranger's fresh key pair, and a department's own key, are refused at the handshake.
        let outsiders = [
            ("stranger", "D01", try CurveKeyPair.generate()), ("department", "D02", try keys(harness, "party_office")),
        ]
        for (who, district, pair) in outsiders {
            let outsider = try subscriber(harness, pair)
            #expect(throws: HandshakeRefused.self, "\(who) got a snapshot") {
                try outsider.resnapshot(timeout: 1_500)
            }
            let envelope = try harness.sealed("party_building", district, "13", by: "party_office")
            let receipt = try harness.ingestClient(connectingAs: "party_office").deliver(envelope)
            #expect(receipt?.receipt.status == .accepted)
            #expect(nextRanking(board, within: 5) != nil, "the viewer missed an update")
            #expect(nextRanking(outsider, within: 1) == nil, "\(who) received the feed")
        }

        // The status: a viewer reads it; a department does not.
        func status(as submitter: String) throws -> Kaoping_V1_ControlReply {
            var request = Kaoping_V1_ControlRequest()
            request.status = Kaoping_V1_StatusRequest()
            return try ControlClient(
                endpoint: harness.endpoint("control"), campaign: "zhongshan-2023",
                aggregatorKey: harness.aggregatorEntry, context: harness.context,
                curve: harness.curveClient(harness.identities[submitter])
            ).call(request, signedBy: nil)
        }
        #expect(try status(as: "viewer:board").ok)
        let refused = try status(as: "party_office")
        #expect(!refused.ok && refused.error.contains("the status is for viewers and operators"), "\(refused.error)")

        // The operator revokes the board's key: within a second it receives nothing more; the press reads on.
        var revoke = Kaoping_V1_ControlRequest()
        revoke.revokeKey.keyID = try #require(harness.identities["viewer:board"]).keyID.rawValue
        revoke.revokeKey.reason = "board member left"
        #expect(try harness.controlClient().call(revoke, signedBy: harness.operatorIdentity).ok)
        Thread.sleep(forTimeInterval: 1)
        let envelope = try harness.sealed("party_building", "D03", "13", by: "party_office")
        #expect(try harness.ingestClient(connectingAs: "party_office").deliver(envelope)?.receipt.status == .accepted)
        let pressSaw = nextRanking(press, within: 5) { ranking in
            ranking.districts.contains { $0.district == "D03" && $0.total == "13.00" }
        }
        #expect(pressSaw != nil, "the viewer still listed lost the feed")
        #expect(nextRanking(board, within: 2) == nil, "the revoked viewer still receives the feed")
        #expect(throws: (any Error).self, "the revoked viewer got a snapshot") { try board.resnapshot(timeout: 1_500) }
        #expect(throws: HandshakeRefused.self, "the revoked viewer read the status") {
            try status(as: "viewer:board")
        }
        #expect(harness.log.contains("feed bound anew"))
    }
}

extension FeedSubscriber.Event {
    var isRanking: Bool {
        if case .ranking = self { return true }
        return false
    }
}
