import Foundation
import KaopingAudit
import KaopingCore
import KaopingStore
import KaopingWire
import Synchronization

/// A district's record as the store holds it: its history, and each standing cell — the accepted event of its
/// submission that was not voided, with what was signed (value, key, signing time) and when and where it was stored.
public struct DistrictRecord: Sendable {
    public let history: [AuditHistory.Event]
    /// The audit entries verified (the whole chain, up to the newest entry read).
    public let verifiedEntries: Int
    /// The standing cells by subject (`SubmissionKey.description`).
    private let cells: [String: AuditHistory.Event]

    init(history: [AuditHistory.Event], verifiedEntries: Int) {
        self.history = history
        self.verifiedEntries = verifiedEntries
        let accepted = AuditEvent.accepted.rawValue
        cells = Dictionary(
            history.filter { $0.event == accepted && $0.voided == false }.map { ($0.subject, $0) },
            uniquingKeysWith: { _, later in later })
    }

    /// The standing cell of `key`: its accepted submission's event (`at` is when it was stored).
    public func cell(_ key: SubmissionKey) -> AuditHistory.Event? { cells[key.description] }
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
        let submissions = try store.submissions(district: district)
        let filter = AuditHistory.Filter(district: district)
        var log: AuditLog = []
        try store.forEachAuditEntry(district: district) { sequence, entry, hash in
            if sequence <= verified, filter.admits(entry) { log.append((sequence, entry, hash)) }
        }
        let history = AuditHistory.events(
            log: log, submissions: submissions, filter: filter, catalog: catalog, keyring: keyring)
        return DistrictRecord(history: history, verifiedEntries: verified)
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
