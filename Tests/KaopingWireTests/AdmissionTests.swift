import Foundation
import Testing
@testable import KaopingWire

/// ``Admission/authenticate(_:as:connectionUser:verified:)``: the one check of every signed message, in the order
/// of docs/protocol.md ("Checks, in order"), the first that fails deciding the refusal.
@Suite struct AdmissionTests {
    let office = SigningIdentity.generate(for: "party_office")
    let stranger = SigningIdentity.generate(for: "stranger")

    private func admission(curve: Bool = false, revoked: [String: String] = [:]) -> Admission {
        Admission(
            keyring: Keyring([Keyring.Entry(submitter: "party_office", publicKey: office.publicKey)]),
            revoked: revoked, campaign: "zhongshan-2023", connectionsAuthenticated: curve)
    }

    private func envelope(
        _ type: MessageType = .submission, campaign: String = "zhongshan-2023", by identity: SigningIdentity? = nil
    ) throws -> Kaoping_V1_Envelope {
        try SignedEnvelope.seal(payload: Data("payload".utf8), type: type, campaign: campaign, by: identity ?? office)
    }

    private func refusal(_ result: Result<AuthenticatedEnvelope, EnvelopeRefusal>) -> EnvelopeRefusal? {
        if case .failure(let refusal) = result { return refusal }
        return nil
    }

    @Test func aListedKeyOfThisCampaignIsAuthenticatedAsItsSubmitter() throws {
        let result = admission().authenticate(try envelope(), as: [.submission], connectionUser: nil)
        let authenticated = try result.get()
        #expect(authenticated.submitter == "party_office" && authenticated.type == .submission)
    }

    @Test func eachCheckRefusesWithItsStatusAndOnlyKeyedRefusalsAreAudited() throws {
        var version = try envelope()
        version.version = 2
        let unversioned = refusal(admission().authenticate(version, as: [.submission], connectionUser: nil))
        #expect(unversioned?.status == .invalid && unversioned?.audited == false)
        #expect(unversioned?.reason.contains("protocol version 2") == true)

        let wrongType = refusal(admission().authenticate(try envelope(.control), as: [.submission, .heartbeat],
                                                         connectionUser: nil))
        #expect(wrongType?.reason == "message type 'control' is not accepted here; send 'submission' or 'heartbeat'")
        #expect(wrongType?.audited == false)

        let unknown = refusal(admission().authenticate(try envelope(by: stranger), as: [.submission],
                                                       connectionUser: nil))
        #expect(unknown?.status == .unknownKey && unknown?.audited == true && unknown?.signer == nil)

        var forged = try envelope()
        forged.payload = Data("another payload".utf8)
        let badSignature = refusal(admission().authenticate(forged, as: [.submission], connectionUser: nil))
        #expect(badSignature?.status == .badSignature && badSignature?.signer == nil)

        let revoked = refusal(
            admission(revoked: [office.keyID.rawValue: "lost laptop"]).authenticate(
                try envelope(), as: [.submission], connectionUser: nil))
        #expect(revoked?.status == .revoked && revoked?.signer == "party_office")
        #expect(revoked?.reason.contains("lost laptop") == true)

        let otherCampaign = refusal(
            admission().authenticate(try envelope(campaign: "zhongshan-2024"), as: [.submission], connectionUser: nil))
        #expect(otherCampaign?.status == .invalid && otherCampaign?.audited == true)
    }

    @Test func withCurveTheSignerMustBeTheConnectionsSubmitter() throws {
        let curve = admission(curve: true)
        #expect(throws: Never.self) {
            try curve.authenticate(try envelope(), as: [.submission], connectionUser: "party_office").get()
        }
        let other = refusal(curve.authenticate(try envelope(), as: [.submission], connectionUser: "safety_office"))
        #expect(other?.status == .unauthorized && other?.reason.contains("admitted as 'safety_office'") == true)
        let plain = refusal(curve.authenticate(try envelope(), as: [.submission], connectionUser: nil))
        #expect(plain?.status == .unauthorized)
        // Without CURVE there is no connection to match.
        #expect(throws: Never.self) {
            try admission().authenticate(try envelope(), as: [.submission], connectionUser: nil).get()
        }
    }

    @Test func aHeartbeatIsASignOfLifeWhateverItsCampaign() throws {
        let heartbeat = try envelope(.heartbeat, campaign: "zhongshan-2024")
        #expect(try admission().authenticate(heartbeat, as: [.heartbeat], connectionUser: nil).get().type == .heartbeat)
    }

    @Test func aSignatureCheckedAheadIsReusedOnlyWithTheSameKey() throws {
        let listed = Keyring.Entry(submitter: "party_office", publicKey: office.publicKey)
        // Checked ahead as valid with the same key: taken as it is (a forged one would have been found then).
        var forged = try envelope()
        forged.payload = Data("another payload".utf8)
        let trusted = admission().authenticate(
            forged, as: [.submission], connectionUser: nil, verified: Admission.Verified(key: listed, valid: true))
        #expect(refusal(trusted) == nil)
        // Checked ahead with a key that has changed since: checked again.
        let replaced = Keyring.Entry(submitter: "party_office", publicKey: stranger.publicKey)
        let again = admission().authenticate(
            forged, as: [.submission], connectionUser: nil, verified: Admission.Verified(key: replaced, valid: true))
        #expect(refusal(again)?.status == .badSignature)
    }
}
