import Foundation
import GRDB
import KaopingCore

/// An accepted submission as stored: the exact envelope received and the receipt sent for it.
public struct StoredSubmission: Hashable, Sendable {
    public var position: Int
    public var submissionID: String
    public var submitter: String
    public var keyID: String
    public var key: SubmissionKey
    /// The envelope bytes exactly as received (signature included).
    public var envelope: Data
    /// SHA-256 of the submission payload.
    public var contentHash: Data
    /// The signed receipt envelope sent for it; empty when it was answered in a receipt batch.
    public var receipt: Data
    /// The id of the receipt batch (a signed `receipt_batch` envelope, stored once for all its entries) that
    /// answered it, if one did: ``AggregatorStore/receipt(position:)`` reads it.
    public var receiptBatch: Int?
    public var committedAt: Timestamp

    public init(
        position: Int, submissionID: String, submitter: String, keyID: String, key: SubmissionKey, envelope: Data,
        contentHash: Data, receipt: Data, receiptBatch: Int? = nil, committedAt: Timestamp
    ) {
        self.position = position
        self.submissionID = submissionID
        self.submitter = submitter
        self.keyID = keyID
        self.key = key
        self.envelope = envelope
        self.contentHash = contentHash
        self.receipt = receipt
        self.receiptBatch = receiptBatch
        self.committedAt = committedAt
    }
}

/// An accepted finding, plan or review as stored: the exact envelope received and the receipt sent for it.
public struct StoredFeedback: Hashable, Sendable {
    /// Its step in the campaign's feedback: 1, 2, 3… in order of acceptance.
    public var step: Int
    /// `finding`, `plan` or `review`.
    public var kind: String
    /// The message's own id.
    public var messageID: String
    public var findingID: String
    public var district: String
    public var submitter: String
    public var keyID: String
    /// The envelope bytes exactly as received (signature included).
    public var envelope: Data
    /// The signed receipt envelope sent for it.
    public var receipt: Data
    public var committedAt: Timestamp

    public init(
        step: Int, kind: String, messageID: String, findingID: String, district: String, submitter: String,
        keyID: String, envelope: Data, receipt: Data, committedAt: Timestamp
    ) {
        self.step = step
        self.kind = kind
        self.messageID = messageID
        self.findingID = findingID
        self.district = district
        self.submitter = submitter
        self.keyID = keyID
        self.envelope = envelope
        self.receipt = receipt
        self.committedAt = committedAt
    }
}

/// A key revocation.
public struct Revocation: Hashable, Sendable {
    public var keyID: String
    public var submitter: String
    public var reason: String
    public var at: Timestamp

    public init(keyID: String, submitter: String, reason: String, at: Timestamp) {
        self.keyID = keyID
        self.submitter = submitter
        self.reason = reason
        self.at = at
    }
}

/// One change of a commit batch; applied in order inside one transaction.
public enum StoreOperation: Sendable {
    case insert(StoredSubmission)
    /// A signed receipt batch that answered submissions inserted in the same commit
    /// (``StoredSubmission/receiptBatch``).
    case receiptBatch(id: Int, envelope: Data)
    /// Voids the standing submission at `position` (a reopen).
    case void(position: Int, reason: String, operator: String, at: Timestamp)
    case revoke(Revocation)
    /// An accepted finding, plan or review.
    case feedback(StoredFeedback)
    case audit(AuditEntry)
    /// A submitter was seen (submission or heartbeat); not audited.
    case seen(submitter: String, at: Timestamp)
}

/// What the aggregator rebuilds its state from at start, besides the standing submissions (which
/// ``AggregatorStore/load(standing:)`` hands over one at a time).
public struct LoadedState: Sendable {
    /// The highest position ever given, voided ones included.
    public var lastPosition: Int
    public var revoked: [String: Revocation]
    public var lastSeen: [String: Timestamp]
    /// Audit events per submitter: submitter → event → count.
    public var outcomes: [String: [String: Int]]
}

/// A store failure, carrying SQLite's words.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The aggregator's durable state in SQLite: WAL, `synchronous=FULL`, one writing connection; a batch is one
/// transaction.
///
/// At most one submission stands per key: the ledger, the only writer, decides that, and refuses at start (as
/// it is rebuilt) a store where two stand for one key; `kaoping audit verify` checks it with
/// ``keysStandingTwice()``. A unique index on the key kept the same rule until it was dropped (migration v2):
/// submissions arrive in no order of their key, so each commit of a city's batch touched hundreds of scattered
/// index pages — about 14 % of the aggregator's CPU per receipt at city scale (docs/benchmarks.md). Checkpoints
/// (copying the WAL back into the database file, with its own fsync) are taken by a second connection
/// (``checkpoint()``, which the daemon calls every 100 ms), so that no commit — and no receipt — waits for one;
/// the writer checkpoints by itself only past ``backstopCheckpointPages``. The WAL file keeps the largest size it
/// reached (at most that backstop): cutting it back when it starts over costs a commit more than the disk space
/// is worth.
public final class AggregatorStore: Sendable {
    /// The page size of a store created now. A city's rows (envelope and receipt) are about a kilobyte: with pages
    /// of 8 KiB instead of SQLite's 4, each submission's commit and checkpoint cost about 1 µs less CPU
    /// (`kaoping-bench --profile`). A store created with 4 KiB pages keeps them.
    public static let pageSize = 8_192
    /// WAL pages before a commit checkpoints by itself: 32 MiB (16 MiB in a store of 4 KiB pages).
    public static let backstopCheckpointPages = 4_096
    /// The writer, and the connection that checkpoints (internal: tests read their settings).
    let database: DatabaseQueue
    let checkpointer: DatabaseQueue
    /// Runs inside every commit's transaction before anything is written; a throw fails the commit as a full disk
    /// or an I/O error would. For fault-injection tests only.
    private let faultInjection: (@Sendable () throws -> Void)?

    /// Opens (creating and migrating as needed) the store at `path`.
    public init(path: String, faultInjection: (@Sendable () throws -> Void)? = nil) throws {
        self.faultInjection = faultInjection
        database = try DurableDatabase.open(
            path: path, label: "kaoping-aggregator", autocheckpointPages: Self.backstopCheckpointPages,
            pageSize: Self.pageSize, migrations: Self.register)
        checkpointer = try DurableDatabase.connection(path: path, label: "kaoping-aggregator-checkpoint")
    }

    /// Opens an existing store to read it (audits), changing nothing in the file, a running aggregator's store too.
    /// A file that is not a store (an agent's outbox, another database) or one an earlier aggregator wrote and this
    /// one has not migrated yet is refused, saying what to do: opened for writing, it would have been made a store.
    public init(readingAt path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "kaoping-aggregator-reader"
        let notAStore = StoreError(
            "\(path) is not a Kaoping aggregator store; give the store: file of the aggregator's configuration (such "
                + "as /var/lib/kaoping/aggregator.sqlite)")
        var migrator = DatabaseMigrator()
        Self.register(&migrator)
        let reader: DatabaseQueue
        do {
            reader = try DatabaseQueue(path: path, configuration: configuration)
            try reader.read { db in
                guard try !migrator.hasCompletedMigrations(db) else { return }
                guard try migrator.appliedMigrations(db).isEmpty else {
                    throw StoreError(
                        "\(path) was written by an earlier kaoping-aggregator; start this version's aggregator on it "
                            + "once (it brings the store up to date), then read it again")
                }
                throw notAStore
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw notAStore
        }
        faultInjection = nil
        database = reader
        checkpointer = reader
    }

    /// Copies what the WAL holds back into the database file without waiting for the writer (SQLite's PASSIVE
    /// checkpoint); the writer then starts the WAL over. Returns the WAL's frames and those checkpointed.
    @discardableResult
    public func checkpoint() async throws -> (walFrames: Int, checkpointed: Int) {
        try await checkpointer.writeWithoutTransaction { db in
            // Read to the end: a statement left unfinished would hold a read mark and keep the WAL from starting over.
            let row = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(PASSIVE)").first
            return (row?[1] ?? 0, row?[2] ?? 0)
        }
    }

    private static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1: submissions, reopens, audit, keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE submission (
                        position INTEGER PRIMARY KEY,
                        submission_id TEXT NOT NULL,
                        submitter TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        campaign TEXT NOT NULL,
                        indicator TEXT NOT NULL,
                        district TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        period TEXT NOT NULL,
                        envelope BLOB NOT NULL,
                        content_hash BLOB NOT NULL,
                        receipt BLOB NOT NULL,
                        committed_at_ms INTEGER NOT NULL,
                        voided_at_ms INTEGER,
                        voided_reason TEXT,
                        voided_by TEXT
                    );
                    CREATE UNIQUE INDEX submission_standing
                        ON submission(campaign, indicator, district, worker, period) WHERE voided_at_ms IS NULL;
                    CREATE TABLE audit (
                        sequence INTEGER PRIMARY KEY,
                        at_ms INTEGER NOT NULL,
                        event TEXT NOT NULL,
                        submission_id TEXT NOT NULL,
                        submitter TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        envelope_hash BLOB NOT NULL,
                        hash BLOB NOT NULL
                    );
                    CREATE TABLE revoked_key (
                        key_id TEXT PRIMARY KEY,
                        submitter TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        at_ms INTEGER NOT NULL
                    );
                    CREATE TABLE last_seen (
                        submitter TEXT PRIMARY KEY,
                        at_ms INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2: one standing submission per key is kept by the ledger, checked at load") { db in
            try db.execute(sql: "DROP INDEX IF EXISTS submission_standing")
        }
        migrator.registerMigration("v3: receipt batches, each stored once for the submissions it answered") { db in
            try db.execute(
                sql: """
                    CREATE TABLE receipt_batch (
                        id INTEGER PRIMARY KEY,
                        envelope BLOB NOT NULL
                    );
                    ALTER TABLE submission ADD COLUMN receipt_batch INTEGER;
                    """)
        }
        migrator.registerMigration("v4: feedback — findings, plans and reviews") { db in
            try db.execute(
                sql: """
                    CREATE TABLE feedback (
                        step INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        message_id TEXT NOT NULL UNIQUE,
                        finding_id TEXT NOT NULL,
                        district TEXT NOT NULL,
                        submitter TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        envelope BLOB NOT NULL,
                        receipt BLOB NOT NULL,
                        committed_at_ms INTEGER NOT NULL
                    );
                    CREATE INDEX feedback_finding ON feedback(finding_id, step);
                    """)
        }
    }

    // MARK: - Writing

    /// Applies `operations` in order in one transaction; returns only after the commit is durable.
    /// On any error nothing of the batch is stored.
    public func commit(_ operations: [StoreOperation]) async throws {
        try await database.write { [faultInjection] db in
            try faultInjection?()
            var previous: Data?
            var sequence: Int64 = 0
            var latestSeen: [String: Timestamp] = [:]
            // GRDB's statement cache hashes the SQL text at every lookup: the writer asks it once per batch for each
            // insert and keeps the statements at hand (a batch has hundreds of rows of each).
            var inserts: [Insert: Statement] = [:]
            func insert(_ insert: Insert) throws -> Statement {
                if let statement = inserts[insert] { return statement }
                let statement = try db.cachedStatement(sql: insert.sql)
                inserts[insert] = statement
                return statement
            }
            for index in operations.indices {
                guard case .seen(let submitter, let at) = operations[index] else { continue }
                if at >= latestSeen[submitter, default: Timestamp(milliseconds: .min)] { latestSeen[submitter] = at }
            }
            for index in operations.indices {
                switch operations[index] {
                case .insert(let stored):
                    try insert(.submission).run {
                        $0.bind(stored.position)
                        $0.bind(stored.submissionID)
                        $0.bind(stored.submitter)
                        $0.bind(stored.keyID)
                        $0.bind(stored.key.campaign)
                        $0.bind(stored.key.indicator)
                        $0.bind(stored.key.district)
                        $0.bind(stored.key.worker)
                        $0.bind(stored.key.period)
                        $0.bind(stored.envelope)
                        $0.bind(stored.contentHash)
                        $0.bind(stored.receipt)
                        $0.bind(stored.receiptBatch)
                        $0.bind(stored.committedAt)
                    }
                case .receiptBatch(let id, let envelope):
                    try insert(.receiptBatch).run {
                        $0.bind(id)
                        $0.bind(envelope)
                    }
                case .void(let position, let reason, let by, let at):
                    try db.cachedStatement(
                        sql: """
                            UPDATE submission SET voided_at_ms = ?, voided_reason = ?, voided_by = ?
                            WHERE position = ? AND voided_at_ms IS NULL
                            """
                    ).execute(arguments: [at, reason, by, position])
                    guard db.changesCount == 1 else {
                        throw StoreError("no standing submission at position \(position) to void")
                    }
                case .revoke(let revocation):
                    try db.cachedStatement(
                        sql: "INSERT OR REPLACE INTO revoked_key (key_id, submitter, reason, at_ms) VALUES (?, ?, ?, ?)"
                    ).execute(arguments: [
                        revocation.keyID, revocation.submitter, revocation.reason, revocation.at,
                    ])
                case .feedback(let stored):
                    try insert(.feedback).run {
                        $0.bind(stored.step)
                        $0.bind(stored.kind)
                        $0.bind(stored.messageID)
                        $0.bind(stored.findingID)
                        $0.bind(stored.district)
                        $0.bind(stored.submitter)
                        $0.bind(stored.keyID)
                        $0.bind(stored.envelope)
                        $0.bind(stored.receipt)
                        $0.bind(stored.committedAt)
                    }
                case .audit(let entry):
                    if previous == nil {
                        let head = try Row.fetchOne(
                            db.cachedStatement(sql: "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1"))
                        previous = head?["hash"] ?? AuditChain.genesis
                        sequence = head?["sequence"] ?? 0
                    }
                    sequence += 1
                    let hash = AuditChain.hash(previous: previous!, sequence: sequence, entry: entry)
                    try insert(.audit).run {
                        $0.bind(sequence)
                        $0.bind(entry.at)
                        $0.bind(entry.event)
                        $0.bind(entry.submissionID)
                        $0.bind(entry.submitter)
                        $0.bind(entry.keyID)
                        $0.bind(entry.subject)
                        $0.bind(entry.reason)
                        $0.bind(entry.envelopeHash)
                        $0.bind(hash)
                    }
                    previous = hash
                case .seen(let submitter, let at):
                    // Once per submitter and batch: the latest sign of life is all that is kept.
                    guard latestSeen[submitter] == at else { continue }
                    latestSeen[submitter] = nil
                    try insert(.lastSeen).run {
                        $0.bind(submitter)
                        $0.bind(at)
                    }
                }
            }
        }
    }

    /// The statements that write a batch's rows.
    private enum Insert {
        case submission, receiptBatch, feedback, audit, lastSeen

        var sql: String {
            switch self {
            case .submission:
                """
                INSERT INTO submission (position, submission_id, submitter, key_id, campaign, indicator, district,
                    worker, period, envelope, content_hash, receipt, receipt_batch, committed_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .receiptBatch:
                "INSERT INTO receipt_batch (id, envelope) VALUES (?, ?)"
            case .feedback:
                """
                INSERT INTO feedback (step, kind, message_id, finding_id, district, submitter, key_id, envelope,
                    receipt, committed_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .audit:
                """
                INSERT INTO audit (sequence, at_ms, event, submission_id, submitter, key_id, subject, reason,
                    envelope_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .lastSeen:
                """
                INSERT INTO last_seen (submitter, at_ms) VALUES (?, ?)
                ON CONFLICT(submitter) DO UPDATE SET at_ms = MAX(at_ms, excluded.at_ms)
                """
            }
        }
    }

    // MARK: - Reading

    /// Everything the aggregator needs to rebuild its state, read in one transaction: `standing` is called with
    /// each standing submission in order of position as it is read, and none is kept — a city's store holds
    /// hundreds of thousands, each with its envelope and receipt (read all at once, a store of 240 000 took the
    /// aggregator to 576 MB at start). The ledger being rebuilt refuses a second submission for a key; offline,
    /// ``keysStandingTwice()`` finds them.
    public func load(standing: (StoredSubmission) throws -> Void) throws -> LoadedState {
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Self.storedColumns) FROM submission WHERE voided_at_ms IS NULL ORDER BY position
                    """)
            while let row = try rows.next() { try standing(Self.stored(row)) }
            let lastPosition = try Int.fetchOne(db, sql: "SELECT MAX(position) FROM submission") ?? 0
            var revoked: [String: Revocation] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key_id, submitter, reason, at_ms FROM revoked_key") {
                let revocation = Revocation(
                    keyID: row["key_id"], submitter: row["submitter"], reason: row["reason"],
                    at: row["at_ms"])
                revoked[revocation.keyID] = revocation
            }
            var lastSeen: [String: Timestamp] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT submitter, at_ms FROM last_seen") {
                lastSeen[row["submitter"]] = row["at_ms"]
            }
            var outcomes: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT submitter, event, COUNT(*) AS n FROM audit GROUP BY submitter, event")
            {
                outcomes[row["submitter"], default: [:]][row["event"]] = row["n"]
            }
            return LoadedState(lastPosition: lastPosition, revoked: revoked, lastSeen: lastSeen, outcomes: outcomes)
        }
    }

    /// The submissions that stand, in order of position, all in memory (for tools and tests; the aggregator
    /// rebuilds its state with ``load(standing:)``).
    public func standingSubmissions() throws -> [StoredSubmission] {
        var standing: [StoredSubmission] = []
        _ = try load { standing.append($0) }
        return standing
    }

    /// The keys for which more than one submission stands, each with their positions — none, unless the store
    /// was changed outside the aggregator (no index keeps one per key: see the type's comment).
    public func keysStandingTwice() throws -> [(key: SubmissionKey, positions: [Int])] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT campaign, indicator, district, worker, period, GROUP_CONCAT(position) AS positions
                    FROM (SELECT * FROM submission WHERE voided_at_ms IS NULL ORDER BY position)
                    GROUP BY campaign, indicator, district, worker, period HAVING COUNT(*) > 1
                    """
            ).map { row in
                let key = SubmissionKey(
                    campaign: row["campaign"], indicator: row["indicator"], district: row["district"],
                    worker: row["worker"], period: row["period"])
                let positions = (row["positions"] as String).split(separator: ",").compactMap { Int($0) }
                return (key, positions)
            }
        }
    }

    /// The campaign of the first submission stored, if any: a store holds one campaign.
    public func campaign() throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT campaign FROM submission ORDER BY position LIMIT 1")
        }
    }

    /// The receipt sent for the submission at `position`: its own receipt envelope, or the receipt batch that held
    /// it.
    public func receipt(position: Int) throws -> Data? {
        try database.read { db in
            try Data.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(receipt_batch.envelope, submission.receipt) FROM submission
                    LEFT JOIN receipt_batch ON receipt_batch.id = submission.receipt_batch
                    WHERE submission.position = ?
                    """,
                arguments: [position])
        }
    }

    /// Every submission ever stored, voided ones included, by position, all in memory (for tools and tests; an
    /// audit of a city's store reads them one at a time, with `forEachSubmission`).
    public func allSubmissions() throws -> [(submission: StoredSubmission, voided: Bool)] {
        try submissions()
    }

    /// The submissions stored, voided ones included, by position, with each given key part or submitter: what an
    /// audit of some cells reads, without holding every envelope of a city's store in memory.
    public func submissions(
        indicator: String? = nil, district: String? = nil, worker: String? = nil, period: String? = nil,
        submitter: String? = nil
    ) throws -> [(submission: StoredSubmission, voided: Bool)] {
        var found: [(submission: StoredSubmission, voided: Bool)] = []
        try forEachSubmission(
            indicator: indicator, district: district, worker: worker, period: period, submitter: submitter
        ) { found.append(($0, $1)) }
        return found
    }

    /// Calls `body` with each submission stored, voided ones included, by position, with each given key part or
    /// submitter, as it is read: none is kept (a city's store holds hundreds of thousands, each with its envelope).
    public func forEachSubmission(
        indicator: String? = nil, district: String? = nil, worker: String? = nil, period: String? = nil,
        submitter: String? = nil, _ body: (_ submission: StoredSubmission, _ voided: Bool) throws -> Void
    ) throws {
        let given = [
            ("indicator", indicator), ("district", district), ("worker", worker), ("period", period),
            ("submitter", submitter),
        ].compactMap { column, value in value.map { (column, $0) } }
        let condition = given.isEmpty ? "" : "WHERE " + given.map { "\($0.0) = ?" }.joined(separator: " AND ")
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Self.storedColumns), voided_at_ms FROM submission \(condition) ORDER BY position
                    """,
                arguments: StatementArguments(given.map(\.1)))
            while let row = try rows.next() { try body(Self.stored(row), (row["voided_at_ms"] as Int64?) != nil) }
        }
    }

    /// Calls `body` with the position and district of each submission stored after position `after`, in order:
    /// what a reader keeps to find a district's submissions without scanning every envelope again.
    public func forEachSubmissionDistrict(
        after: Int64, _ body: (_ position: Int64, _ district: String) throws -> Void
    ) throws {
        try database.read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT position, district FROM submission WHERE position > ? ORDER BY position",
                arguments: [after])
            while let row = try rows.next() { try body(row[0], row[1]) }
        }
    }

    /// The submissions stored at `positions` (ascending), voided ones included, in order of position.
    public func submissions(positions: [Int64]) throws -> [(submission: StoredSubmission, voided: Bool)] {
        var found: [(submission: StoredSubmission, voided: Bool)] = []
        try forEachRow(
            "SELECT \(Self.storedColumns), voided_at_ms FROM submission WHERE position IN", keys: positions,
            orderedBy: "position"
        ) { row in found.append((Self.stored(row), (row["voided_at_ms"] as Int64?) != nil)) }
        return found
    }

    /// Calls `body` with each row of `select` (ending in `… IN`) for `keys` (ascending), in order of `column`: in
    /// statements of at most 500 keys, well under SQLite's limit on the parameters of one statement.
    private func forEachRow(
        _ select: String, keys: [Int64], orderedBy column: String, _ body: (Row) throws -> Void
    ) throws {
        try database.read { db in
            for start in stride(from: 0, to: keys.count, by: 500) {
                let slice = keys[start..<min(start + 500, keys.count)]
                let marks = slice.map { _ in "?" }.joined(separator: ", ")
                let rows = try Row.fetchCursor(
                    db, sql: "\(select) (\(marks)) ORDER BY \(column)", arguments: StatementArguments(Array(slice)))
                while let row = try rows.next() { try body(row) }
            }
        }
    }

    /// Calls `body` with each finding, plan and review stored, in order of step, as it is read.
    public func forEachFeedback(_ body: (StoredFeedback) throws -> Void) throws {
        try database.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM feedback ORDER BY step")
            while let row = try rows.next() {
                try body(
                    StoredFeedback(
                        step: row["step"], kind: row["kind"], messageID: row["message_id"],
                        findingID: row["finding_id"], district: row["district"], submitter: row["submitter"],
                        keyID: row["key_id"], envelope: row["envelope"], receipt: row["receipt"],
                        committedAt: row["committed_at_ms"]))
            }
        }
    }

    /// The receipt sent for the feedback step `step`.
    public func feedbackReceipt(step: Int) throws -> Data? {
        try database.read { db in
            try Data.fetchOne(db, sql: "SELECT receipt FROM feedback WHERE step = ?", arguments: [step])
        }
    }

    /// The audit log in order, with each entry's stored hash.
    public func auditLog() throws -> AuditLog {
        var log: AuditLog = []
        try forEachAuditEntry { log.append(($0, $1, $2)) }
        return log
    }

    /// Calls `body` with each entry of the audit log in order, with its stored hash, as it is read: those after
    /// sequence `after`.
    public func forEachAuditEntry(
        after: Int64 = 0, _ body: (_ sequence: Int64, _ entry: AuditEntry, _ hash: Data) throws -> Void
    ) throws {
        try database.read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT * FROM audit WHERE sequence > ? ORDER BY sequence", arguments: [after])
            while let row = try rows.next() { try body(row["sequence"], Self.auditEntry(row), row["hash"]) }
        }
    }

    /// Calls `body` with the audit entries at `sequences` (ascending), in order, each with its stored hash.
    public func forEachAuditEntry(
        sequences: [Int64], _ body: (_ sequence: Int64, _ entry: AuditEntry, _ hash: Data) throws -> Void
    ) throws {
        try forEachRow("SELECT * FROM audit WHERE sequence IN", keys: sequences, orderedBy: "sequence") { row in
            try body(row["sequence"], Self.auditEntry(row), row["hash"])
        }
    }

    /// The latest `limit` entries of the audit log whose event is one of `events`, newest first (each with its
    /// sequence), unverified: for a view of recent refusals, where the chain is checked by whoever shows them.
    public func latestAuditEntries(events: [String], limit: Int) throws -> [(sequence: Int64, entry: AuditEntry)] {
        try database.read { db in
            let marks = events.map { _ in "?" }.joined(separator: ", ")
            var arguments = StatementArguments(events)
            arguments += [limit]
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM audit WHERE event IN (\(marks)) ORDER BY sequence DESC LIMIT ?",
                arguments: arguments)
            return rows.map { row in (row["sequence"], Self.auditEntry(row)) }
        }
    }

    private static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(
            event: row["event"], at: row["at_ms"], submissionID: row["submission_id"], submitter: row["submitter"],
            keyID: row["key_id"], subject: row["subject"], reason: row["reason"], envelopeHash: row["envelope_hash"])
    }

    /// Recomputes the audit hash chain as the log is read, handing each entry (with its sequence number) to `each`
    /// once it is checked; returns the number of entries, or throws naming the first broken one. Nothing of the log
    /// is kept but what `each` keeps.
    public func verifyAuditChain(each: (_ sequence: Int64, _ entry: AuditEntry) throws -> Void = { _, _ in }) throws
        -> Int
    {
        var chain = AuditChain.Check()
        try forEachAuditEntry { sequence, entry, hash in
            try chain.next(sequence: sequence, entry: entry, hash: hash)
            try each(sequence, entry)
        }
        return chain.count
    }

    /// The columns ``stored(_:)`` reads.
    private static let storedColumns = """
        position, submission_id, submitter, key_id, campaign, indicator, district, worker, period, envelope, \
        content_hash, receipt, receipt_batch, committed_at_ms
        """

    private static func stored(_ row: Row) -> StoredSubmission {
        StoredSubmission(
            position: row["position"], submissionID: row["submission_id"], submitter: row["submitter"],
            keyID: row["key_id"],
            key: SubmissionKey(
                campaign: row["campaign"], indicator: row["indicator"], district: row["district"],
                worker: row["worker"], period: row["period"]),
            envelope: row["envelope"], contentHash: row["content_hash"], receipt: row["receipt"],
            receiptBatch: row["receipt_batch"], committedAt: row["committed_at_ms"])
    }
}
