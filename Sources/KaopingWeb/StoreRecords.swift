import Foundation
import KaopingAudit
import KaopingCore
import KaopingStore
import KaopingWire
import Synchronization

/// A district's record as the store holds it: each standing cell with what was signed, and its history.
public struct DistrictRecord: Sendable {
    public struct Cell: Sendable {
        public let key: SubmissionKey
        public let value: String
        public let submitter: String
        public let keyID: String
        public let signedAt: Timestamp?
        public let acceptedAt: Timestamp
        public let position: Int
        public let submissionID: String
    }

    public let cells: [SubmissionKey: Cell]
    public let history: [AuditHistory.Event]
    /// The audit entries verified (the whole chain, up to the newest entry read).
    public let verifiedEntries: Int
}

/// Reads the aggregator's store on its host, read-only (as `kaoping audit history` does): each district's cells as
/// signed and their history from the audit log, whose hash chain is verified as far as it has grown, each entry
/// once. The feed carries the ranking, not who signed which value and when; this is where that is.
public final class StoreRecords: Sendable {
    private let store: AggregatorStore
    private let catalog: Catalog
    private let keyring: Keyring?
    /// The chain checked so far: the next read checks only what was appended since.
    private let chain = Mutex(AuditChain.Check())

    public init(path: String, catalog: Catalog, keyring: Keyring?) throws {
        store = try AggregatorStore(readingAt: path)
        self.catalog = catalog
        self.keyring = keyring
    }

    /// Verifies the entries appended since the last call; returns how many are verified in all.
    public func verify() throws -> Int {
        try chain.withLock { check in
            var next = check
            try store.forEachAuditEntry(after: Int64(next.count)) { sequence, entry, hash in
                try next.next(sequence: sequence, entry: entry, hash: hash)
            }
            check = next
            return check.count
        }
    }

    /// The record of `district`: its standing cells and its workers', and every audit event about them.
    public func record(of district: String) throws -> DistrictRecord {
        let verified = try verify()
        var cells: [SubmissionKey: DistrictRecord.Cell] = [:]
        var submissions: [(submission: StoredSubmission, voided: Bool)] = []
        try store.forEachSubmission(district: district) { stored, voided in
            submissions.append((stored, voided))
            guard !voided, let envelope = try? SignedEnvelope.decode(stored.envelope),
                let payload = try? SignedEnvelope.decodeSubmission(envelope.payload)
            else { return }
            cells[stored.key] = DistrictRecord.Cell(
                key: stored.key, value: catalog.shown(Submission(wire: payload)), submitter: stored.submitter,
                keyID: stored.keyID, signedAt: Timestamp(milliseconds: payload.signedAtMs),
                acceptedAt: stored.committedAt, position: stored.position, submissionID: stored.submissionID)
        }
        let filter = AuditHistory.Filter(district: district)
        var log: AuditLog = []
        try store.forEachAuditEntry(district: district) { sequence, entry, hash in
            if sequence <= verified, filter.admits(entry) { log.append((sequence, entry, hash)) }
        }
        let history = AuditHistory.events(
            log: log, submissions: submissions, filter: filter, catalog: catalog, keyring: keyring)
        return DistrictRecord(cells: cells, history: history, verifiedEntries: verified)
    }

    /// The most recent refusals (conflicting, unauthorized, invalid, revoked, badly signed or unknown-key
    /// submissions), newest first, with their reasons: those the verified chain holds.
    public func refusals(limit: Int) throws -> [AuditEntry] {
        let verified = try verify()
        let refusals: [AuditEvent] = [.conflict, .unauthorized, .invalid, .revoked, .badSignature, .unknownKey]
        return try store.latestAuditEntries(events: refusals.map(\.rawValue), limit: limit)
            .filter { $0.sequence <= verified }.map(\.entry)
    }

    /// Cells standing over time, from the audit log: one sample per accepted or reopened cell.
    public func filledOverTime() throws -> [(at: Timestamp, filled: UInt32)] {
        var filled: Int64 = 0
        var samples: [(at: Timestamp, filled: UInt32)] = []
        try store.forEachAuditEntry { _, entry, _ in
            switch entry.kind {
            case .accepted?: filled += 1
            case .reopened?: filled -= 1
            default: return
            }
            samples.append((entry.at, UInt32(clamping: filled)))
        }
        return samples
    }
}
