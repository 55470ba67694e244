import Foundation
import KaopingClient
import KaopingWire
import Testing
import ZeroMQ

/// Transport security: with CURVE on, only the keyring's CURVE keys reach ingest and control, every connection is
/// encrypted, and a submission must be signed by the submitter its connection was admitted as.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CurveTests {
    /// Whether a delivery got no answer: refused at send (the handshake never completes) or never answered.
    static func nothingGetsThrough(_ attempt: () throws -> VerifiedReceipt?) -> Bool {
        switch Result(catching: attempt) {
        case .success(let receipt): return receipt == nil
        case .failure: return true
        }
    }

    @Test func onlyListedKeysGetInAndTheSignerMustMatchTheConnection() throws {
        let harness = try AggregatorHarness(submitters: ["party_office", "safety_office"], curve: true)
        try harness.start()
        let party = Sample.submission("party_building", "D01", "13", submitter: "party_office")

        let listed = try harness.ingestClient(connectingAs: "party_office")
        #expect(try #require(try listed.deliver(try harness.seal(party))).receipt.status == .accepted)

        // Without CURVE, or with a key the keyring does not list: the connection never opens, nothing is answered.
        let plain = try IngestClient(
            endpoint: harness.endpoint("ingest"), aggregatorKey: harness.aggregatorEntry, campaign: "zhongshan-2023",
            context: harness.context)
        #expect(Self.nothingGetsThrough { try plain.deliver(try harness.seal(party), timeout: 1_500) })
        let stranger = try IngestClient(
            endpoint: harness.endpoint("ingest"), aggregatorKey: harness.aggregatorEntry, campaign: "zhongshan-2023",
            context: harness.context,
            curve: CurveClient(
                serverKey: harness.aggregatorIdentity.transport!.publicKey, keys: try CurveKeyPair.generate()))
        #expect(Self.nothingGetsThrough { try stranger.deliver(try harness.seal(party), timeout: 1_500) })

        // Admitted as safety_office, signed by party_office: refused.
        let borrowed = try harness.ingestClient(connectingAs: "safety_office")
        var other = party
        other.district = "D02"
        let mismatch = try #require(try borrowed.deliver(try harness.seal(other)))
        #expect(mismatch.receipt.status == .unauthorized)
        #expect(mismatch.receipt.reason.contains("admitted as 'safety_office'"))

        // The feed and snapshot take any CURVE key; the control endpoint only the keyring's.
        let feed = try harness.feedSubscriber()
        guard case .ranking(_, let ranking, true) = try #require(try feed.next(timeout: 5_000)) else {
            Issue.record("no snapshot over CURVE")
            return
        }
        #expect(ranking.campaign == "zhongshan-2023")
        var status = Kaoping_V1_ControlRequest()
        status.status = Kaoping_V1_StatusRequest()
        #expect(try harness.controlClient().call(status, signedBy: nil).ok)

        // A revoked key is refused at the door from then on.
        var revoke = Kaoping_V1_ControlRequest()
        revoke.revokeKey.keyID = harness.identities["party_office"]!.keyID.rawValue
        revoke.revokeKey.reason = "laptop lost"
        #expect(try harness.controlClient().call(revoke, signedBy: harness.operatorIdentity).ok)
        let afterRevoke = try harness.ingestClient(connectingAs: "party_office")
        var third = party
        third.district = "D03"
        #expect(Self.nothingGetsThrough { try afterRevoke.deliver(try harness.seal(third), timeout: 1_500) })
        #expect(harness.log.contains("refused an encrypted connection"))
        harness.stop()
    }
}
