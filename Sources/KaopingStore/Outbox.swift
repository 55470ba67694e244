import Crypto
import Foundation
import GRDB
import KaopingCore

/// An agent's durable outbox: every submission is written here, signed, before it is sent, and kept until a receipt
/// whose aggregator signature verifies. Shared by the agent daemon and its one-shot commands (SQLite WAL).
public final class Outbox: Sendable {
    /// Where an item stands.
    public enum State: String, Sendable, CaseIterable {
        /// Waiting for a receipt; resent with backoff.
        case pending
        /// A verified ACCEPTED or DUPLICATE receipt arrived: delivered.
        case delivered
        /// A verified refusal arrived (conflict, invalid, …): final, not retried.
        case rejected
    }

    /// One submission in the outbox.
    public struct Item: Hashable, Sendable {
        public var submissionID: String
        /// Such as `party_building/D01`.
        public var subject: String
        /// The signed envelope, sent byte for byte on every attempt.
        public var envelope: Data
        public var envelopeHash: Data
        public var state: State
        /// The receipt status name (`accepted`, `duplicate`, `conflict`, …) once one arrived.
        public var status: String
        public var reason: String
        /// The receipt envelope, the proof of delivery: a `receipt`, or the `receipt_batch` holding it as entry
        /// `receiptEntry` (kept once in the outbox for all its entries).
        public var receipt: Data?
        public var receiptEntry: Int?
        public var createdAt: Timestamp
        public var attempts: Int
        public var nextAttemptAt: Timestamp
        public var receiptAt: Timestamp?
        /// Where the item came from: `submit`, a file name and row.
        public var source: String
    }

    /// Internal: tests read its settings.
    let database: DatabaseQueue

    public init(path: String) throws {
        // The daemon and the one-shot commands share the outbox: a writer waits for the other's transaction.
        database = try DurableDatabase.open(path: path, label: "kaoping-outbox", busyTimeout: 10) { migrator in
            migrator.registerMigration("v1: outbox") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE outbox (
                            submission_id TEXT PRIMARY KEY,
                            subject TEXT NOT NULL,
                            envelope BLOB NOT NULL,
                            envelope_hash BLOB NOT NULL UNIQUE,
                            state TEXT NOT NULL,
                            status TEXT NOT NULL DEFAULT '',
                            reason TEXT NOT NULL DEFAULT '',
                            receipt BLOB,
                            created_at_ms INTEGER NOT NULL,
                            attempts INTEGER NOT NULL DEFAULT 0,
                            next_attempt_at_ms INTEGER NOT NULL,
                            receipt_at_ms INTEGER,
                            source TEXT NOT NULL DEFAULT ''
                        );
                        CREATE INDEX outbox_due ON outbox(state, next_attempt_at_ms);
                        """)
            }
            migrator.registerMigration("v2: receipt batches, each kept once for its entries") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE receipt_batch (
                            id INTEGER PRIMARY KEY,
                            envelope BLOB NOT NULL
                        );
                        ALTER TABLE outbox ADD COLUMN receipt_batch INTEGER;
                        ALTER TABLE outbox ADD COLUMN receipt_entry INTEGER;
                        """)
            }
        }
    }

    /// Adds signed submissions in one transaction; an id already pending or delivered is skipped (re-importing the
    /// same file is harmless), an id that was refused is queued again. Returns how many were queued.
    @discardableResult
    public func add(
        _ items: [(submissionID: String, subject: String, envelope: Data, source: String)], at: Timestamp
    ) throws -> Int {
        try database.write { db in
            var added = 0
            for item in items {
                // A refused submission may be fixed and submitted again under its id: the refused record is kept,
                // renamed, with its receipt.
                try db.execute(
                    sql: """
                        UPDATE outbox SET submission_id = submission_id || '#refused-' || created_at_ms
                        WHERE submission_id = ? AND state = 'rejected'
                        """,
                    arguments: [item.submissionID])
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO outbox (submission_id, subject, envelope, envelope_hash, state,
                            created_at_ms, next_attempt_at_ms, source)
                        VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)
                        """,
                    arguments: [
                        item.submissionID, item.subject, item.envelope, Self.hash(item.envelope), at, at, item.source,
                    ])
                added += db.changesCount
            }
            return added
        }
    }

    /// Puts the items delivered at or after `since` back to pending, due at `now`: after the aggregator's store was
    /// restored from a backup, what it acknowledged since then is sent again, byte for byte. What the backup holds is
    /// answered DUPLICATE, the rest is accepted anew; each item keeps its old receipt until the new one verifies.
    /// Returns how many were queued again.
    @discardableResult
    public func resend(deliveredSince since: Timestamp, at now: Timestamp) throws -> Int {
        try database.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at_ms = ?
                    WHERE state = 'delivered' AND receipt_at_ms >= ?
                    """,
                arguments: [now, since])
            return db.changesCount
        }
    }

    /// Pending items due at `now`, oldest first.
    public func due(at now: Timestamp, limit: Int = 256) throws -> [Item] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at_ms <= ?
                    ORDER BY created_at_ms, submission_id LIMIT ?
                    """,
                arguments: [now, limit]
            ).map(Self.item)
        }
    }

    /// Records an attempt of each item (sent together) and when to try again if no receipt comes.
    public func attempted(_ submissionIDs: [String], retryAt: Timestamp) throws {
        try database.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, next_attempt_at_ms = ?
                    WHERE submission_id = ? AND state = 'pending'
                    """)
            for submissionID in submissionIDs { try statement.execute(arguments: [retryAt, submissionID]) }
        }
    }

    /// A verified receipt: what it answers and says, and its place in its receipt batch, if it came in one.
    public struct Answer: Sendable {
        public var envelopeHash: Data
        public var delivered: Bool
        public var status: String
        public var reason: String
        public var entry: Int?

        public init(envelopeHash: Data, delivered: Bool, status: String, reason: String, entry: Int?) {
            self.envelopeHash = envelopeHash
            self.delivered = delivered
            self.status = status
            self.reason = reason
            self.entry = entry
        }
    }

    /// Records verified receipts that came in one envelope, `proof` (a receipt, or a receipt batch kept once for all
    /// its entries), each for the pending envelope it answers; returns the items they settled. An answer to a resend
    /// of what an earlier receipt settled changes nothing and is not returned.
    @discardableResult
    public func record(_ answers: [Answer], proof: Data, at: Timestamp) throws -> [Item] {
        try database.write { db in
            var batch: Int64?
            if answers.contains(where: { $0.entry != nil }) {
                try db.execute(sql: "INSERT INTO receipt_batch (envelope) VALUES (?)", arguments: [proof])
                batch = db.lastInsertedRowID
            }
            var settled: [Item] = []
            for answer in answers {
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = ?, status = ?, reason = ?, receipt = ?, receipt_batch = ?,
                            receipt_entry = ?, receipt_at_ms = ?
                        WHERE envelope_hash = ? AND state = 'pending'
                        """,
                    arguments: [
                        answer.delivered ? State.delivered.rawValue : State.rejected.rawValue, answer.status,
                        answer.reason, answer.entry == nil ? proof : nil, answer.entry.flatMap { _ in batch },
                        answer.entry, at, answer.envelopeHash,
                    ])
                guard db.changesCount > 0 else { continue }
                if var item = try Row.fetchOne(
                    db, sql: "SELECT * FROM outbox WHERE envelope_hash = ?", arguments: [answer.envelopeHash]
                ).map(Self.item) {
                    item.receipt = proof
                    settled.append(item)
                }
            }
            // A receipt batch that settled nothing (every entry answered a resend) is not kept.
            if let batch, !settled.contains(where: { $0.receiptEntry != nil }) {
                try db.execute(sql: "DELETE FROM receipt_batch WHERE id = ?", arguments: [batch])
            }
            return settled
        }
    }

    /// Every item, newest first, optionally in one state, each with its receipt (a receipt batch read once and
    /// shared by its entries).
    public func items(state: State? = nil) throws -> [Item] {
        try database.read { db in
            let rows =
                if let state {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM outbox WHERE state = ? ORDER BY created_at_ms DESC, submission_id",
                        arguments: [state.rawValue])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY created_at_ms DESC, submission_id")
                }
            // Only the receipt batches these items point to (none for pending ones), each read once.
            var batches: [Int64: Data] = [:]
            for id in Set(rows.compactMap { $0["receipt_batch"] as Int64? }) {
                batches[id] = try Data.fetchOne(
                    db, sql: "SELECT envelope FROM receipt_batch WHERE id = ?", arguments: [id])
            }
            return rows.map { row in
                var item = Self.item(row)
                if let batch: Int64 = row["receipt_batch"] { item.receipt = batches[batch] }
                return item
            }
        }
    }

    /// Items per state.
    public func counts() throws -> [State: Int] {
        try database.read { db in
            var counts: [State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                if let state = State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    private static func hash(_ data: Data) -> Data { Data(SHA256.hash(data: data)) }

    private static func item(_ row: Row) -> Item {
        Item(
            submissionID: row["submission_id"], subject: row["subject"], envelope: row["envelope"],
            envelopeHash: row["envelope_hash"], state: State(rawValue: row["state"]) ?? .pending, status: row["status"],
            reason: row["reason"], receipt: row["receipt"], receiptEntry: row["receipt_entry"],
            createdAt: row["created_at_ms"],
            attempts: row["attempts"], nextAttemptAt: row["next_attempt_at_ms"],
            receiptAt: row["receipt_at_ms"], source: row["source"])
    }
}
