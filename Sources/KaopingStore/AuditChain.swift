import Crypto
import Foundation
import KaopingCore

/// What an audit entry records, as its `event` names it in the store and in the chained hash.
public enum AuditEvent: String, Sendable, CaseIterable {
    /// A submission's outcomes, named as the receipt's status (docs/protocol.md).
    case accepted, duplicate, conflict, unauthorized, invalid, revoked
    case badSignature = "bad_signature"
    case unknownKey = "unknown_key"
    /// The operator's acts.
    case reopened
    case keyRevoked = "key_revoked"
    case keyringReloaded = "keyring_reloaded"
    /// The feedback loop's accepted steps (a refused or duplicate finding, plan or review is audited by its
    /// receipt's status, as a submission is).
    case findingRaised = "finding_raised"
    case planSubmitted = "plan_submitted"
    case planAccepted = "plan_accepted"
    case planReturned = "plan_returned"
    case findingRectified = "finding_rectified"
    case findingReopened = "finding_reopened"

    /// The accepted steps of the feedback loop.
    public static let feedbackSteps: Set<String> = Set(
        [findingRaised, planSubmitted, planAccepted, planReturned, findingRectified, findingReopened].map(\.rawValue))

    /// Whether it counts as a refusal of what a submitter sent (neither accepted nor a duplicate of what was).
    public static func isRefusal(_ event: String) -> Bool {
        event != accepted.rawValue && event != duplicate.rawValue && !feedbackSteps.contains(event)
    }
}

/// One event of the append-only audit log: every accepted, duplicate, rejected and reopened submission, and every
/// key change.
public struct AuditEntry: Hashable, Sendable {
    /// An ``AuditEvent``'s name; kept as text, as stored and hashed (a store may hold names a later version adds).
    public var event: String
    public var at: Timestamp
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
        event: String, at: Timestamp, submissionID: String = "", submitter: String = "", keyID: String = "",
        subject: String = "", reason: String = "", envelopeHash: Data = Data()
    ) {
        self.event = event
        self.at = at
        self.submissionID = submissionID
        self.submitter = submitter
        self.keyID = keyID
        self.subject = subject
        self.reason = reason
        self.envelopeHash = envelopeHash
    }

    public init(
        _ event: AuditEvent, at: Timestamp, submissionID: String = "", submitter: String = "",
        keyID: String = "", subject: String = "", reason: String = "", envelopeHash: Data = Data()
    ) {
        self.init(
            event: event.rawValue, at: at, submissionID: submissionID, submitter: submitter,
            keyID: keyID, subject: subject, reason: reason, envelopeHash: envelopeHash)
    }

    /// The event, when it is one this version knows.
    public var kind: AuditEvent? { AuditEvent(rawValue: event) }
}

/// The audit log as read from a store: each entry with its sequence number and its stored chained hash.
public typealias AuditLog = [(sequence: Int64, entry: AuditEntry, hash: Data)]

/// The hash chain over the audit log: `hash(n) = SHA-256(hash(n−1) ‖ fields of entry n)`, with 32 zero bytes
/// before the first entry. Each field is written as a 4-byte big-endian length and its bytes, in the order
/// sequence (decimal), at_ms (decimal), event, submission_id, submitter, key_id, subject, reason, envelope_hash.
public enum AuditChain {
    public static let genesis = Data(repeating: 0, count: 32)

    public static func hash(previous: Data, sequence: Int64, entry: AuditEntry) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        // Fed to the hash piece by piece: the same bytes as concatenating them, without building them.
        func field(_ bytes: UnsafeRawBufferPointer) {
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: bytes)
        }
        for text in [
            String(sequence), String(entry.at.milliseconds), entry.event, entry.submissionID, entry.submitter,
            entry.keyID, entry.subject, entry.reason,
        ] {
            var text = text
            text.withUTF8 { field(UnsafeRawBufferPointer($0)) }
        }
        entry.envelopeHash.withUnsafeBytes(field)
        return Data(hasher.finalize())
    }

    /// The chain checked entry by entry, in order, as a log is read.
    public struct Check {
        private var previous = AuditChain.genesis
        /// The entries checked so far.
        public private(set) var count = 0

        public init() {}

        /// Checks the next entry: its sequence follows the last, and its stored hash is the chain's.
        public mutating func next(sequence: Int64, entry: AuditEntry, hash: Data) throws {
            let expected = Int64(count + 1)
            guard sequence == expected else {
                throw StoreError("audit entry \(expected) is missing (next is \(sequence)); the log was cut")
            }
            guard AuditChain.hash(previous: previous, sequence: sequence, entry: entry) == hash else {
                throw StoreError("audit entry \(sequence) does not match its hash; the log was altered at or before it")
            }
            previous = hash
            count += 1
        }
    }
}
