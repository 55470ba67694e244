import Crypto
import Foundation
import GRDB
import KaopingCore
import KaopingTestSupport
import Testing
@testable import KaopingStore

@Suite struct AggregatorStoreTests {
    let path: String

    init() throws {
        path = try Scratch.path("store.sqlite")
    }

    private func stored(_ position: Int, district: String = "D01", id: String? = nil) -> StoredSubmission {
        StoredSubmission(
            position: position, submissionID: id ?? "s\(position)", submitter: "party_office", keyID: "k",
            key: SubmissionKey(campaign: "zhongshan-2023", indicator: "party_building", district: district),
            envelope: Data("envelope \(position)".utf8), contentHash: Data([1]), receipt: Data("receipt".utf8),
            committedAt: 1)
    }

    private func audit(_ event: String, _ id: String) -> StoreOperation {
        .audit(AuditEntry(event: event, at: 1, submissionID: id, submitter: "party_office"))
    }

    /// The audit commands read a store without changing it. Anything else (another SQLite file, an agent's outbox,
    /// a text file) is refused with what to give instead, and stays as it was: opened for writing, it would have been
    /// made a store. A store of an earlier version is refused too, saying how to bring it up to date.
    @Test func aStoreOpenedForReadingIsAStoreAndStaysAsItWas() async throws {
        let store = try AggregatorStore(path: path)
        try await store.commit([.insert(stored(1)), audit("accepted", "s1")])
        let reader = try AggregatorStore(readingAt: path)
        #expect(try reader.auditLog().count == 1 && reader.standingSubmissions().count == 1)

        let other = try Scratch.path("other.sqlite")
        try await DatabaseQueue(path: other).write {
            try $0.execute(sql: "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
        }
        let text = try Scratch.file("notes.txt", "not a database\n")
        for path in [other, text] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect {
                try AggregatorStore(readingAt: path)
            } throws: { error in
                (error as? StoreError)?.message == "\(path) is not a Kaoping aggregator store; give the store: file of "
                    + "the aggregator's configuration (such as /var/lib/kaoping/aggregator.sqlite)"
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
        let earlier = try Scratch.path("earlier.sqlite")
        try await DatabaseQueue(path: earlier).write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v1: submissions, reopens, audit, keys')")
        }
        #expect {
            try AggregatorStore(readingAt: earlier)
        } throws: { error in
            (error as? StoreError)?.message.contains("was written by an earlier kaoping-aggregator; start this") == true
        }
    }

    /// An outbox given as the store, or the store as an outbox, is refused and left as it was.
    @Test func aFileOfAnotherDatabaseIsNotMadeAStoreOrAnOutbox() throws {
        _ = try AggregatorStore(path: path)
        let outbox = try Scratch.path("outbox.sqlite")
        _ = try Outbox(path: outbox)
        #expect {
            try AggregatorStore(path: outbox)
        } throws: { error in
            (error as? StoreError)?.message
                == "\(outbox) already holds another database (tables grdb_migrations, outbox, receipt_batch); give "
                + "this one a file of its own"
        }
        #expect(throws: StoreError.self) { try Outbox(path: path) }
        #expect {
            try AggregatorStore(readingAt: outbox)
        } throws: { error in
            (error as? StoreError)?.message.hasPrefix("\(outbox) is not a Kaoping aggregator store") == true
        }
        #expect(try Outbox(path: outbox).counts().isEmpty)
        #expect(try AggregatorStore(path: path).auditLog().isEmpty)
    }

    /// A commit that returns is on disk: every connection of a store and of an outbox is in WAL mode with
    /// `synchronous=FULL`, which syncs the WAL at each commit. GRDB's own WAL set-up leaves `NORMAL` (synced only at
    /// checkpoints: a process killed loses nothing, a power cut loses the last commits), which must not win.
    @Test func everyConnectionSyncsEachCommit() throws {
        let outboxPath = try Scratch.path("outbox.sqlite")
        for _ in 0..<2 {  // created, then opened again
            let store = try AggregatorStore(path: path)
            let outbox = try Outbox(path: outboxPath)
            for connection in [store.database, store.checkpointer, outbox.database] {
                let (mode, level) = try connection.read { db in
                    (
                        try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                        try Int.fetchOne(db, sql: "PRAGMA synchronous")
                    )
                }
                #expect(mode == "wal")
                #expect(level == 2, "synchronous=\(level ?? -1) on \(connection.configuration.label ?? "")")
            }
        }
    }

    @Test func theCheckpointerEmptiesTheWALThatCommitsNoLongerCheckpointThemselves() async throws {
        let store = try AggregatorStore(path: path)
        // More than SQLite's default 1 000 pages of WAL: a writer with the default would have checkpointed.
        let blob = Data(repeating: 7, count: AggregatorStore.pageSize * 3 / 4)
        for batch in 0..<40 {
            try await store.commit((1...40).map { index in
                var row = stored(batch * 40 + index, district: "D\(batch * 40 + index)")
                row.envelope = blob
                return .insert(row)
            })
        }
        let wal = (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(wal > 1_000 * AggregatorStore.pageSize)
        let (frames, checkpointed) = try await store.checkpoint()
        #expect(frames > 1_000 && checkpointed == frames)
        // The next commit starts the WAL over, and everything is still there.
        try await store.commit([.insert(stored(5_000, district: "D-last"))])
        let (framesAfter, _) = try await store.checkpoint()
        #expect(framesAfter < 10)
        #expect(try AggregatorStore(path: path).standingSubmissions().count == 1_601)
    }

    @Test func commitsLoadsAndVoids() async throws {
        let store = try AggregatorStore(path: path)
        try await store.commit([.insert(stored(1)), audit("accepted", "s1"), .insert(stored(2, district: "D02"))])
        try await store.commit([.void(position: 1, reason: "typo", operator: "operator", at: 2)])
        try await store.commit([.insert(stored(3)), .seen(submitter: "party_office", at: 5)])
        let reopened = try AggregatorStore(path: path)
        var standing: [Int] = []
        let state = try reopened.load { standing.append($0.position) }
        #expect(standing == [2, 3])
        #expect(state.lastPosition == 3)
        #expect(state.lastSeen["party_office"] == 5)
        #expect(try reopened.receipt(position: 1) == Data("receipt".utf8))
        #expect(try reopened.allSubmissions().map(\.voided) == [true, false, false])
    }

    @Test func keysWhereTwoSubmissionsStandAreFound() async throws {
        let store = try AggregatorStore(path: path)
        // Only the ledger keeps one submission per key (no index does since v2): a store changed behind its back.
        try await store.commit([
            .insert(stored(1)), .insert(stored(2, district: "D02")), .insert(stored(3)), .insert(stored(4)),
        ])
        let twice = try store.keysStandingTwice()
        #expect(twice.map(\.key.district) == ["D01"])
        #expect(twice.first?.positions == [1, 3, 4])
        // The load hands every standing one over, in order; the ledger being rebuilt is what refuses.
        var handed: [Int] = []
        _ = try store.load { handed.append($0.position) }
        #expect(handed == [1, 2, 3, 4])
        // Once all but one of them are voided, none is found.
        try await store.commit([
            .void(position: 1, reason: "by hand", operator: "operator", at: 2),
            .void(position: 4, reason: "by hand", operator: "operator", at: 2),
        ])
        #expect(try store.keysStandingTwice().isEmpty)
        #expect(try store.standingSubmissions().map(\.position) == [2, 3])
    }

    @Test func aStoreOfTheFirstVersionLosesItsKeyIndexAndKeepsItsSubmissions() async throws {
        try await AggregatorStore(path: path).commit([.insert(stored(1)), .insert(stored(2, district: "D02"))])
        // Put the store back as version 1 left it: the unique index, and no record of migration v2.
        let old = try DatabaseQueue(path: path)
        try await old.write { db in
            try db.execute(
                sql: """
                    CREATE UNIQUE INDEX submission_standing
                        ON submission(campaign, indicator, district, worker, period) WHERE voided_at_ms IS NULL;
                    DELETE FROM grdb_migrations WHERE identifier LIKE 'v2:%';
                    """)
        }
        try old.close()

        let upgraded = try AggregatorStore(path: path)
        #expect(try upgraded.standingSubmissions().map(\.position) == [1, 2])
        let indexes = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'submission'")
        }
        #expect(!indexes.contains("submission_standing"))
    }

    @Test func aNewStoreTakesItsOwnPageSizeAndAnOlderStoreKeepsItsPages() async throws {
        func pageSize(_ path: String) throws -> Int? {
            try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA page_size") }
        }
        try await AggregatorStore(path: path).commit([.insert(stored(1))])
        #expect(try pageSize(path) == AggregatorStore.pageSize)

        // A file made before the page size was set: SQLite's 4 KiB pages, already in WAL mode.
        let older = try Scratch.path("older.sqlite")
        let queue = try DatabaseQueue(path: older)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL")
        }
        try queue.close()
        try await AggregatorStore(path: older).commit([.insert(stored(1)), .insert(stored(2, district: "D02"))])
        let store = try AggregatorStore(path: older)
        try await store.commit([.insert(stored(3, district: "D03"))])
        #expect(try store.standingSubmissions().map(\.position) == [1, 2, 3])
        #expect(try pageSize(older) == 4_096)
    }

    @Test func aFailedBatchStoresNothing() async throws {
        let store = try AggregatorStore(path: path)
        try await store.commit([.insert(stored(1))])
        // The last insert reuses a position: the whole batch rolls back.
        await #expect(throws: (any Error).self) {
            try await store.commit([
                .insert(stored(2, district: "D05")), audit("accepted", "s2"), .insert(stored(1, district: "D06")),
            ])
        }
        #expect(try store.standingSubmissions().map(\.position) == [1])
        #expect(try store.auditLog().isEmpty)
        await #expect(throws: (any Error).self) {
            try await store.commit([.void(position: 9, reason: "x", operator: "operator", at: 1)])
        }
    }

    @Test func theAuditChainDetectsAlterationAndDeletion() async throws {
        let store = try AggregatorStore(path: path)
        try await store.commit([audit("accepted", "a"), audit("conflict", "b")])
        try await store.commit([audit("reopened", "a"), audit("accepted", "c")])
        #expect(try store.verifyAuditChain() == 4)

        let database = try DatabaseQueue(path: path)
        try await database.write { try $0.execute(sql: "UPDATE audit SET event = 'accepted' WHERE sequence = 2") }
        #expect(throws: StoreError.self) { try store.verifyAuditChain() }
        try await database.write { try $0.execute(sql: "UPDATE audit SET event = 'conflict' WHERE sequence = 2") }
        #expect(try store.verifyAuditChain() == 4)
        try await database.write { try $0.execute(sql: "DELETE FROM audit WHERE sequence = 3") }
        #expect(throws: StoreError.self) { try store.verifyAuditChain() }
    }

    @Test func theChainHashIsTheDocumentedConcatenation() {
        // hash(n) = SHA-256(hash(n−1) ‖ for each field: 4-byte big-endian length ‖ bytes), fields in the order
        // sequence, at_ms (decimal), event, submission_id, submitter, key_id, subject, reason, envelope_hash.
        let entry = AuditEntry(
            event: "accepted", at: 1_700_000_000_123, submissionID: "2023-00001", submitter: "leader:D07",
            keyID: "0f1e2d3c4b5a6978", subject: "worker_leader_review/D07/W0701", reason: "理由",
            envelopeHash: Data(repeating: 0xAB, count: 32))
        let previous = Data((0..<32).map { UInt8($0) })
        var bytes = previous
        for field in ["42", "1700000000123", "accepted", "2023-00001", "leader:D07", "0f1e2d3c4b5a6978",
                      "worker_leader_review/D07/W0701", "理由"].map({ Data($0.utf8) }) + [entry.envelopeHash] {
            bytes += [UInt8(field.count >> 24), UInt8(field.count >> 16 & 0xFF), UInt8(field.count >> 8 & 0xFF),
                      UInt8(field.count & 0xFF)]
            bytes += field
        }
        #expect(AuditChain.hash(previous: previous, sequence: 42, entry: entry) == Data(SHA256.hash(data: bytes)))
    }

    @Test func theChainHashCoversEveryField() {
        let entry = AuditEntry(
            event: "accepted", at: 7, submissionID: "a", submitter: "s", keyID: "k", subject: "x",
            reason: "r", envelopeHash: Data([9]))
        let hash = AuditChain.hash(previous: AuditChain.genesis, sequence: 1, entry: entry)
        var changes: [AuditEntry] = []
        for index in 0..<8 {
            var changed = entry
            switch index {
            case 0: changed.event = "duplicate"
            case 1: changed.at = 8
            case 2: changed.submissionID = "b"
            case 3: changed.submitter = "t"
            case 4: changed.keyID = "l"
            case 5: changed.subject = "y"
            case 6: changed.reason = "q"
            default: changed.envelopeHash = Data([8])
            }
            changes.append(changed)
        }
        for changed in changes {
            #expect(AuditChain.hash(previous: AuditChain.genesis, sequence: 1, entry: changed) != hash)
        }
        #expect(AuditChain.hash(previous: AuditChain.genesis, sequence: 2, entry: entry) != hash)
        // Field boundaries are length-prefixed: moving a character between fields changes the hash.
        var shifted = entry
        shifted.submissionID = "as"
        shifted.submitter = ""
        #expect(AuditChain.hash(previous: AuditChain.genesis, sequence: 1, entry: shifted) != hash)
    }
}

/// Receipt batches: kept once for the submissions (or outbox items) they answered, and files written before them
/// brought up to date with what they hold readable as before.
@Suite struct ReceiptBatchStorageTests {
    /// Takes the receipt batches out of a file as this version wrote it, leaving the schema an earlier version left.
    static func asBeforeReceiptBatches(_ path: String, table: String, columns: [String], migration: String) throws {
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "DROP TABLE receipt_batch")
            for column in columns { try db.execute(sql: "ALTER TABLE \(table) DROP COLUMN \(column)") }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE ?", arguments: [migration + "%"])
        }
    }

    private func stored(_ position: Int, district: String, receipt: Data, batch: Int? = nil) -> StoredSubmission {
        StoredSubmission(
            position: position, submissionID: "s\(position)", submitter: "party_office", keyID: "k",
            key: SubmissionKey(campaign: "zhongshan-2023", indicator: "party_building", district: district),
            envelope: Data("envelope \(position)".utf8), contentHash: Data([1]), receipt: receipt, receiptBatch: batch,
            committedAt: 1)
    }

    @Test func anEarlierStoreKeepsItsReceiptsAndTakesReceiptBatches() async throws {
        let path = try Scratch.path("store.sqlite")
        try await AggregatorStore(path: path).commit([.insert(stored(1, district: "D01", receipt: Data("r1".utf8)))])
        try Self.asBeforeReceiptBatches(
            path, table: "submission", columns: ["receipt_batch"], migration: "v3:")
        #expect(throws: StoreError.self) { try AggregatorStore(readingAt: path) }

        let store = try AggregatorStore(path: path)
        #expect(try store.receipt(position: 1) == Data("r1".utf8))
        let batch = Data("receipt batch".utf8)
        try await store.commit([
            .receiptBatch(id: 2, envelope: batch),
            .insert(stored(2, district: "D02", receipt: Data(), batch: 2)),
            .insert(stored(3, district: "D03", receipt: Data(), batch: 2)),
        ])
        #expect(try [1, 2, 3].map { try store.receipt(position: $0) } == [Data("r1".utf8), batch, batch])
        let standing = try AggregatorStore(readingAt: path).standingSubmissions()
        #expect(standing.map(\.receiptBatch) == [nil, 2, 2])
        #expect(standing.map(\.receipt) == [Data("r1".utf8), Data(), Data()])
    }

    @Test func anOutboxKeepsAReceiptBatchOnlyWhileItSettledSomething() throws {
        let path = try Scratch.path("outbox.sqlite")
        var outbox = try Outbox(path: path)
        let envelopes = ["a", "b", "c"].map { Data("envelope \($0)".utf8) }
        try outbox.add(
            zip(["a", "b", "c"], envelopes).map { ($0, "party_building/\($0)", $1, "test") }, at: 1)
        func answer(_ envelope: Data, entry: Int?) -> Outbox.Answer {
            Outbox.Answer(
                envelopeHash: Data(SHA256.hash(data: envelope)), delivered: true, status: "accepted", reason: "",
                entry: entry)
        }
        func batches() throws -> Int {
            try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM receipt_batch") ?? 0 }
        }
        // a alone, as an earlier agent kept it; then the file as that agent left it.
        try outbox.record([answer(envelopes[0], entry: nil)], proof: Data("lone".utf8), at: 2)
        try Self.asBeforeReceiptBatches(
            path, table: "outbox", columns: ["receipt_batch", "receipt_entry"], migration: "v2:")
        outbox = try Outbox(path: path)
        #expect(try outbox.items(state: .delivered).map(\.receipt) == [Data("lone".utf8)])

        // b and c in one receipt batch (with a's resend, settled already): kept once.
        let settled = try outbox.record(
            [answer(envelopes[0], entry: 0), answer(envelopes[1], entry: 1), answer(envelopes[2], entry: 2)],
            proof: Data("batch".utf8), at: 3)
        #expect(settled.map(\.submissionID) == ["b", "c"] && settled.map(\.receiptEntry) == [1, 2])
        #expect(try batches() == 1)
        // A receipt batch answering only what is settled is not kept.
        #expect(try outbox.record([answer(envelopes[1], entry: 0)], proof: Data("again".utf8), at: 4).isEmpty)
        #expect(try batches() == 1)
        let items = Dictionary(uniqueKeysWithValues: try outbox.items().map { ($0.submissionID, $0) })
        #expect(items["a"]?.receipt == Data("lone".utf8) && items["a"]?.receiptEntry == nil)
        #expect(items["b"]?.receipt == Data("batch".utf8) && items["c"]?.receiptEntry == 2)
    }
}
