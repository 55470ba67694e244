import Foundation
import KaopingWire

/// One event of the append-only audit log: every accepted, duplicate, rejected and reopened submission, and every
/// key change.
public struct AuditEntry: Hashable, Sendable {
    /// `accepted`, `duplicate`, `conflict`, `unauthorized`, `invalid`, `bad_signature`, `unknown_key`, `revoked`,
    /// `reopened`, `key_revoked`, `keyring_reloaded`.
    public var event: String
    public var atMilliseconds: Int64
    public var submissionID: String
    /// The submitter the signature proved (or the operator, for reopens and key changes).
    public var submitter: String
    public var keyID: String
    /// What the event is about: a submission key such as `visits/D01`, or a key id.
    public var subject: String
    public var reason: String
    /// SHA-256 of the envelope bytes received, or empty.
    public var envelopeHash: Data

    public init(
        event: String, atMilliseconds: Int64, submissionID: String = "", submitter: String = "", keyID: String = "",
        subject: String = "", reason: String = "", envelopeHash: Data = Data()
    ) {
        self.event = event
        self.atMilliseconds = atMilliseconds
        self.submissionID = submissionID
        self.submitter = submitter
        self.keyID = keyID
        self.subject = subject
        self.reason = reason
        self.envelopeHash = envelopeHash
    }
}

/// The hash chain over the audit log: `hash(n) = SHA-256(hash(n−1) ‖ fields of entry n)`, with 32 zero bytes
/// before the first entry. Each field is written as a 4-byte big-endian length and its bytes, in the order
/// sequence (decimal), at_ms (decimal), event, submission_id, submitter, key_id, subject, reason, envelope_hash.
public enum AuditChain {
    public static let genesis = Data(repeating: 0, count: 32)

    public static func hash(previous: Data, sequence: Int64, entry: AuditEntry) -> Data {
        var bytes = previous
        func field(_ data: Data) {
            var length = UInt32(data.count).bigEndian
            bytes.append(Data(bytes: &length, count: 4))
            bytes.append(data)
        }
        field(Data(String(sequence).utf8))
        field(Data(String(entry.atMilliseconds).utf8))
        for text in [entry.event, entry.submissionID, entry.submitter, entry.keyID, entry.subject, entry.reason] {
            field(Data(text.utf8))
        }
        field(entry.envelopeHash)
        return bytes.sha256
    }
}
