import Foundation
import KaopingAudit
import KaopingCore
import KaopingStore
import KaopingWire
import Logging
import ServiceLifecycle
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
///
/// What was read once is kept as an index: which audit entries and which submissions name each district, so that a
/// district's page reads its own rows, not a city's store (a scan of 132 000 submissions and their audit entries
/// took 66 ms a page at 6 000 districts).
public final class StoreRecords: Sendable {
    private let store: AggregatorStore
    private let catalog: Catalog
    private let keyring: Keyring?
    private let soFar = Mutex(ReadSoFar())

    /// The chain checked so far, and the rows read so far by district: the next read takes only what was appended
    /// since (the store only appends audit entries and submissions; a reopen marks a submission voided in place).
    private struct ReadSoFar {
        var chain = AuditChain.Check()
        var auditEntries: [String: [Int64]] = [:]
        var lastPosition: Int64 = 0
        var submissions: [String: [Int64]] = [:]
    }

    public init(path: String, catalog: Catalog, keyring: Keyring?) throws {
        store = try AggregatorStore(readingAt: path)
        self.catalog = catalog
        self.keyring = keyring
    }

    /// Verifies the entries appended since the last call; returns how many are verified in all.
    public func verify() throws -> Int {
        try soFar.withLock { try verify(&$0) }
    }

    private func verify(_ read: inout ReadSoFar) throws -> Int {
        var next = read.chain
        var named: [(district: String, sequence: Int64)] = []
        try store.forEachAuditEntry(after: Int64(next.count)) { sequence, entry, hash in
            try next.next(sequence: sequence, entry: entry, hash: hash)
            if let district = Self.district(of: entry.subject) { named.append((district, sequence)) }
        }
        // Kept only once every entry read has checked: a broken chain leaves the index where it was.
        read.chain = next
        for (district, sequence) in named { read.auditEntries[district, default: []].append(sequence) }
        return next.count
    }

    /// The district an audit entry's subject names (`indicator/district`, with a worker or a month after it), as
    /// `AuditHistory.Filter` reads it; a key id (a revocation) names none.
    private static func district(of subject: String) -> String? {
        let parts = subject.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count >= 2 ? String(parts[1]) : nil
    }

    /// Reads what the store appended since the last read: the audit entries, verified, and the submissions, each
    /// noted under the district it names (``StoreFollower`` calls it every second, a district's page before it reads).
    public func catchUp() throws {
        try soFar.withLock { read in
            _ = try verify(&read)
            try store.forEachSubmissionDistrict(after: read.lastPosition) { position, district in
                read.submissions[district, default: []].append(position)
                read.lastPosition = position
            }
        }
    }

    /// The record of `district`: its standing cells and its workers', and every audit event about them.
    public func record(of district: String) throws -> DistrictRecord {
        try catchUp()
        let (verified, sequences, positions) = soFar.withLock { read in
            (read.chain.count, read.auditEntries[district] ?? [], read.submissions[district] ?? [])
        }
        let submissions = try store.submissions(positions: positions)
        let filter = AuditHistory.Filter(district: district)
        var log: AuditLog = []
        try store.forEachAuditEntry(sequences: sequences) { sequence, entry, hash in
            if filter.admits(entry) { log.append((sequence, entry, hash)) }
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

/// Keeps the console's reading of the store current (``StoreRecords/catchUp()``), once a second on a thread of its
/// own (the reads block): a district's page then reads only its own rows however much the aggregator took in
/// meanwhile, and a console starting on a city's store reads it through (half a second at 6 000 districts) before
/// anyone asks. What stops it (an audit log that does not verify) is logged once, and shown on every district page.
final class StoreFollower: Service, Sendable {
    private let records: StoreRecords
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    init(records: StoreRecords, logger: Logger) {
        self.records = records
        self.logger = logger
    }

    func run() async throws {
        let thread = Thread { [self] in follow() }
        thread.name = "store-follower"
        thread.start()
        try? await gracefulShutdown()
        stopped.store(true, ordering: .relaxed)
    }

    private func follow() {
        var lastReport = ""
        while !stopped.load(ordering: .relaxed) {
            var report = ""
            do { try records.catchUp() } catch { report = "\(error)" }
            if !report.isEmpty, report != lastReport { logger.error("district pages cannot read the store: \(report)") }
            lastReport = report
            for _ in 0..<10 where !stopped.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.1) }
        }
    }
}
