import Foundation

/// Who may act on the aggregator, and the one check that an envelope is theirs (docs/protocol.md, "Checks, in
/// order", 3–7): every kind of signed message — submissions, heartbeats, control requests — is authenticated here
/// before anything in its payload is trusted.
public struct Admission: Sendable {
    public var keyring: Keyring
    /// The reason each revoked key was revoked, by key id.
    public var revoked: [String: String]
    public var campaign: String
    /// With CURVE every connection is admitted as a submitter, who must be the one who signed.
    public var connectionsAuthenticated: Bool

    public init(keyring: Keyring, revoked: [String: String] = [:], campaign: String, connectionsAuthenticated: Bool) {
        self.keyring = keyring
        self.revoked = revoked
        self.campaign = campaign
        self.connectionsAuthenticated = connectionsAuthenticated
    }

    /// A signature checked ahead (on another core, with the keyring of that moment): reused when the key is still
    /// the same, checked again otherwise.
    public struct Verified: Sendable {
        public let key: Keyring.Entry
        public let valid: Bool

        public init(key: Keyring.Entry, valid: Bool) {
            self.key = key
            self.valid = valid
        }
    }

    /// `envelope`, authenticated as one of `types` from a connection admitted as `connectionUser` (nil without
    /// CURVE), or the refusal of the first check that fails: version and type, key known, signature, key not
    /// revoked, signer = connection, campaign.
    public func authenticate(
        _ envelope: Kaoping_V1_Envelope, as types: [MessageType], connectionUser: String?,
        verified: Verified? = nil
    ) -> Result<AuthenticatedEnvelope, EnvelopeRefusal> {
        guard envelope.version == SignedEnvelope.protocolVersion else {
            return .failure(
                EnvelopeRefusal(
                    .invalid, "protocol version \(envelope.version) is not supported; this aggregator speaks version "
                        + "\(SignedEnvelope.protocolVersion)"))
        }
        guard let type = MessageType(rawValue: envelope.type), types.contains(type) else {
            let accepted = types.map { "'\($0.rawValue)'" }.joined(separator: " or ")
            return .failure(
                EnvelopeRefusal(.invalid, "message type '\(envelope.type)' is not accepted here; send \(accepted)"))
        }
        guard let key = keyring.entry(KeyID(rawValue: envelope.keyID)) else {
            return .failure(
                EnvelopeRefusal(
                    .unknownKey,
                    "key \(envelope.keyID.isEmpty ? "(none)" : envelope.keyID) is not in the aggregator's keyring; "
                        + "ask the operator to add your public key", audited: true))
        }
        let valid =
            if let verified, verified.key == key { verified.valid } else {
                SignedEnvelope.verify(envelope, with: key)
            }
        guard valid else {
            return .failure(
                EnvelopeRefusal(
                    .badSignature,
                    "the signature does not verify over this version, type, campaign and payload; sign exactly the "
                        + "payload bytes sent, with the key \(envelope.keyID)", audited: true))
        }
        func refuse(_ status: Kaoping_V1_Status, _ reason: String) -> Result<AuthenticatedEnvelope, EnvelopeRefusal> {
            .failure(EnvelopeRefusal(status, reason, audited: true, signer: key.submitter))
        }
        if let reason = revoked[envelope.keyID] {
            return refuse(.revoked, "key \(envelope.keyID) was revoked (\(reason)); ask the operator for a new key")
        }
        if connectionsAuthenticated, connectionUser != key.submitter {
            return refuse(
                .unauthorized,
                "the connection was admitted as '\(connectionUser ?? "nobody")' but the message is signed with "
                    + "\(key.submitter)'s key; each submitter connects and signs with its own keys")
        }
        guard envelope.campaign == campaign || type == .heartbeat else {
            return refuse(.invalid, "campaign '\(envelope.campaign)' is not this campaign; use '\(campaign)'")
        }
        return .success(AuthenticatedEnvelope(type: type, key: key))
    }
}

/// What an envelope was authenticated as: its signature verifies with a listed, unrevoked key of the submitter its
/// connection was admitted as, for this campaign (a heartbeat is a sign of life of its key, whatever its campaign).
/// The envelope itself stays with the caller (no copy of it per message).
public struct AuthenticatedEnvelope: Sendable {
    public let type: MessageType
    public let key: Keyring.Entry
    public var submitter: String { key.submitter }
}

/// Why an envelope was not authenticated: the status and reason its answer carries.
public struct EnvelopeRefusal: Error, Sendable, Equatable {
    public let status: Kaoping_V1_Status
    public let reason: String
    /// Whether the refusal goes into the audit log: from the key check on (docs/protocol.md, checks 4–10).
    public let audited: Bool
    /// The submitter whose key signed it, once the signature verified.
    public let signer: String?

    public init(_ status: Kaoping_V1_Status, _ reason: String, audited: Bool = false, signer: String? = nil) {
        self.status = status
        self.reason = reason
        self.audited = audited
        self.signer = signer
    }
}
