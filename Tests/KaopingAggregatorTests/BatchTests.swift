import Foundation
import KaopingClient
import KaopingCore
import KaopingStore
import KaopingWire
import Testing
import ZeroMQ
@testable import KaopingAggregator

/// Batches (docs/protocol.md, "Batches"): many envelopes in one message, each checked as if it came alone, their
/// receipts signed once per receipt batch.
@Suite struct BatchTests {
    /// party_office's score for party_building in `district`, as submission `id`.
    static func score(_ district: String, id: String, by party: SigningIdentity, score: String = "10") throws -> Data {
        try SignedEnvelope.seal(
            Submission(
                id: id, submitter: "party_office", campaign: "zhongshan-2023", indicator: "party_building",
                district: district, score: score
            ).wire(signedAt: 1), type: .submission, campaign: "zhongshan-2023", by: party)
    }

    /// The batch's members as the ingest endpoint queues them.
    static func work(_ peer: String, _ members: [Data]) throws -> [Work] {
        try KeeperFixture.routed(peer, EnvelopeBatch.pack(members)).members().map { .ingest($0) }
    }

    @Test func eachMemberIsAnsweredAsIfAloneInOneReceiptBatchSignedOnce() async throws {
        let fixture = try KeeperFixture()
        let party = fixture.party
        let aggregatorKey = Keyring.Entry(submitter: "aggregator", publicKey: fixture.aggregator.publicKey)
        let first = try Self.score("D01", id: "a", by: party)
        var forged = try SignedEnvelope.decode(try Self.score("D03", id: "c", by: party))
        forged.signature = Data(repeating: 7, count: 64)
        let garbage = Data("not an envelope".utf8)
        let members = [first, try Self.score("D02", id: "b", by: party), garbage, try forged.serializedBytes(), first]
        try await fixture.keeper.process(try Self.work("vendor", members))

        // One receipt batch for the four answered in it, in order; the retry of `a` alone, the original inside.
        let sent = fixture.replies.all
        #expect(sent.count == 2)
        #expect(sent.allSatisfy { $0.frames.first == Data("vendor".utf8) })
        let receiptBatch = try #require(sent.first?.frames.last)
        let batch = try ReceiptCheck.openAll(receiptBatch, aggregatorKey: aggregatorKey, campaign: "zhongshan-2023")
        #expect(batch.map(\.receipt.status) == [.accepted, .accepted, .invalid, .badSignature])
        #expect(batch.map(\.receipt.envelopeHash) == members.prefix(4).map(\.sha256))
        #expect(batch.map(\.entry) == [0, 1, 2, 3])
        #expect(batch[2].receipt.reason == "this batch member is not a kaoping.v1.Envelope")
        let lone = try #require(sent.last?.frames.last)
        let duplicate = try #require(
            try ReceiptCheck.openAll(lone, aggregatorKey: aggregatorKey, campaign: "zhongshan-2023").first)
        #expect(duplicate.entry == nil && duplicate.receipt.status == .duplicate)
        #expect(duplicate.receipt.originalReceipt == sent.first?.frames.last)
        // Stored once, as the proof of both acceptances; the audit log has the signed members, not the garbage.
        let standing = try fixture.store.standingSubmissions()
        #expect(standing.map(\.receiptBatch) == [1, 1] && standing.allSatisfy(\.receipt.isEmpty))
        #expect(try fixture.store.receipt(position: 2) == sent.first?.frames.last)
        let events = try fixture.store.auditLog().map(\.entry.event)
        #expect(events == ["accepted", "accepted", "bad_signature", "duplicate"])

        // A retry in a later batch is answered from the store: the stored receipt batch is the original.
        fixture.replies.clear()
        try await fixture.keeper.process(try Self.work("vendor", [members[1]]))
        let again = try ReceiptCheck.open(
            try #require(fixture.replies.all.first?.frames.last), aggregatorKey: aggregatorKey,
            campaign: "zhongshan-2023")
        #expect(again.receipt.status == .duplicate && again.receipt.originalReceipt == sent.first?.frames.last)
        // And the store of receipt batches is read back as the daemon restarts.
        _ = try fixture.restarted()
    }

    @Test func receiptBatchesHoldAtMost64AndOnePeersReceipts() async throws {
        let fixture = try KeeperFixture()
        // The 22 districts' party_building, then three more rounds of other scores: 22 accepted, 66 conflicts.
        let envelopes = try (0..<88).map { index in
            try Self.score(
                String(format: "D%02d", index % 22 + 1), id: "s\(index)", by: fixture.party, score: "\(index / 22 + 1)")
        }
        // 40 + 40 from one peer, 8 from another, decided in one keeper batch.
        let work =
            try Self.work("one", Array(envelopes[0..<40])) + Self.work("other", Array(envelopes[80..<88]))
            + Self.work("one", Array(envelopes[40..<80]))
        try await fixture.keeper.process(work)
        let answers = try fixture.replies.all.map { message -> (String, Int) in
            let envelope = try SignedEnvelope.decode(try #require(message.frames.last), limit: .max)
            #expect(envelope.type == "receipt_batch")
            let batch = try Kaoping_V1_ReceiptBatch(serializedBytes: envelope.payload)
            return (String(decoding: message.frames[0], as: UTF8.self), batch.receipts.count)
        }
        #expect(answers.map(\.0) == ["one", "other", "one"])
        #expect(answers.map(\.1) == [64, 8, 16])
        // The receipt batch that answered acceptances is stored once, under its first acceptance's position.
        let standing = try fixture.store.standingSubmissions()
        #expect(standing.count == 22 && standing.allSatisfy { $0.receiptBatch == 1 })
        #expect(try fixture.store.receipt(position: 22) == fixture.replies.all.first?.frames.last)
    }

    /// A reason quotes what was sent: eight refusals of a district id of 60 000 characters (each in a batch of its
    /// own, decided together) go in two receipt batches, none past about 256 KiB, well within a client's 1 MiB.
    @Test func receiptBatchesStayWithinAFewHundredKilobytes() async throws {
        let fixture = try KeeperFixture()
        let long = String(repeating: "x", count: 60_000)
        var work: [Work] = []
        for number in 0..<8 {
            work += try Self.work("vendor", [try Self.score(long, id: "s\(number)", by: fixture.party)])
        }
        try await fixture.keeper.process(work)
        let answers = try fixture.replies.all.map { message -> (bytes: Int, receipts: Int) in
            let body = try #require(message.frames.last)
            let envelope = try SignedEnvelope.decode(body, limit: .max)
            #expect(envelope.type == "receipt_batch")
            return (body.count, try Kaoping_V1_ReceiptBatch(serializedBytes: envelope.payload).receipts.count)
        }
        #expect(answers.map(\.receipts) == [4, 4])
        #expect(answers.allSatisfy { $0.bytes > 4 * 60_000 && $0.bytes < ReceiptSealer.receiptBatchBytes + 1_000 })
    }

    @Test func aBatchThatCannotBeReadIsRefusedWhole() async throws {
        let fixture = try KeeperFixture()
        let envelope = try Self.score("D01", id: "a", by: fixture.party)
        let tooMany = EnvelopeBatch.pack(Array(repeating: envelope, count: 65))
        var wrongPayload = Kaoping_V1_Envelope()
        wrongPayload.version = 1
        wrongPayload.type = "batch"
        wrongPayload.payload = Data([0xFF, 0xFF])
        let unreadable: Data = try wrongPayload.serializedBytes()
        let empty = EnvelopeBatch.pack([])
        for body in [tooMany, unreadable, empty] {
            try await fixture.keeper.process(try KeeperFixture.routed("vendor", body).members().map { .ingest($0) })
        }
        let receipts = try fixture.replies.all.map { message -> Kaoping_V1_Receipt in
            let envelope = try SignedEnvelope.decode(try #require(message.frames.last))
            #expect(envelope.type == "receipt")
            return try Kaoping_V1_Receipt(serializedBytes: envelope.payload)
        }
        #expect(receipts.map(\.status) == [.invalid, .invalid, .invalid])
        #expect(receipts.map(\.envelopeHash) == [tooMany.sha256, unreadable.sha256, empty.sha256])
        #expect(receipts[0].reason.contains("holds 1 to 64 envelopes; this one holds 65"))
        #expect(receipts[1].reason.contains("not a kaoping.v1.IngestBatch"))
        #expect(receipts[2].reason.contains("this one holds 0"))
        #expect(try fixture.store.standingSubmissions().isEmpty)
    }

    @Test func packedSizeIsTheSizeOfThePackedBatch() {
        for sizes in [[1], [127, 128], [300, 16_000, 5], Array(repeating: 1_000, count: 64)] {
            let members = sizes.map { Data(repeating: 1, count: $0) }
            #expect(EnvelopeBatch.packedSize(ofMembers: sizes) == EnvelopeBatch.pack(members).count)
            #expect(EnvelopeBatch.isBatch(EnvelopeBatch.pack(members)))
        }
        #expect(!EnvelopeBatch.isBatch(Data("batch".utf8)))
    }

    /// A type given twice is read as Protocol Buffers reads it, the last one winning: a message is a batch to the
    /// ingest endpoint exactly when it decodes as one.
    @Test func theLastTypeOfAnEnvelopeDecidesWhetherItIsABatch() throws {
        let batch = EnvelopeBatch.pack([Data("member".utf8)])
        var submission = Kaoping_V1_Envelope()
        submission.type = "submission"
        let single: Data = try submission.serializedBytes()
        for (bytes, isBatch) in [(single + batch, true), (batch + single, false)] {
            #expect(try SignedEnvelope.decode(bytes).type == (isBatch ? "batch" : "submission"))
            #expect(EnvelopeBatch.isBatch(bytes) == isBatch)
        }
    }
}
