@preconcurrency import Crypto
import Foundation
import KaopingCore
import SwiftProtobuf
import Testing
@testable import KaopingWire

/// The committed test vectors of docs/protocol-vectors.json, which other implementations check their signing
/// against byte for byte. Set KAOPING_WRITE_VECTORS=1 to rewrite the file after a deliberate protocol change.
@Suite struct ProtocolVectorTests {
    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/protocol-vectors.json")

    /// Builds every vector from fixed inputs.
    static func vectors() throws -> [String: String] {
        let submitterSeed = Data((0..<32).map { UInt8($0) })
        let aggregatorSeed = Data((0..<32).map { UInt8(255 - $0) })
        let submitter = SigningIdentity(
            submitter: "party_office", privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: submitterSeed))
        let aggregator = SigningIdentity(
            submitter: "aggregator", privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: aggregatorSeed))
        var wire = Kaoping_V1_Submission()
        wire.submissionID = "2023-party_office-D01"
        wire.submitter = "party_office"
        wire.campaign = "zhongshan-2023"
        wire.indicator = "party_building"
        wire.district = "D01"
        wire.score = "13.50"
        wire.signedAtMs = 1_700_000_000_000
        let payload: Data = try wire.serializedBytes()
        let campaign = "zhongshan-2023"
        let input = SignedEnvelope.signingInput(version: 1, type: "submission", campaign: campaign, payload: payload)
        let envelope = try SignedEnvelope.seal(payload: payload, type: .submission, campaign: campaign, by: submitter)
        let envelopeBytes: Data = try envelope.serializedBytes()

        var receipt = Kaoping_V1_Receipt()
        receipt.submissionID = wire.submissionID
        receipt.status = .accepted
        receipt.contentHash = payload.sha256
        receipt.ledgerPosition = 1
        receipt.committedAtMs = 1_700_000_000_123
        receipt.campaign = "zhongshan-2023"
        receipt.submitter = "party_office"
        receipt.envelopeHash = envelopeBytes.sha256
        let receiptPayload: Data = try receipt.serializedBytes()
        let receiptEnvelope = try SignedEnvelope.seal(
            payload: receiptPayload, type: .receipt, campaign: "zhongshan-2023", by: aggregator)

        // A batch holding that envelope, and the receipt batch answering it: the receipt's bytes as its one entry.
        var receiptBatch = Kaoping_V1_ReceiptBatch()
        receiptBatch.receipts = [receiptPayload]
        let receiptBatchPayload: Data = try receiptBatch.serializedBytes()
        let receiptBatchEnvelope = try SignedEnvelope.seal(
            payload: receiptBatchPayload, type: .receiptBatch, campaign: "zhongshan-2023", by: aggregator)

        // The same signature carried into another campaign, message type and protocol version: each must fail.
        func replayed(_ change: (inout Kaoping_V1_Envelope) -> Void) throws -> String {
            var copy = envelope
            change(&copy)
            return (try copy.serializedBytes() as Data).hex
        }
        // The feedback loop (docs/protocol.md §7): a finding as safety_office would sign it (the vector key), a plan
        // by another fixed key as leader:D01, a review returning it, and a query.
        let leader = SigningIdentity(
            submitter: "leader:D01",
            privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: Data((0..<32).map { UInt8(64 + $0) })))
        var finding = Kaoping_V1_Finding()
        finding.findingID = "F-2023-D01-1"
        finding.submitter = "safety_office"
        finding.campaign = campaign
        finding.district = "D01"
        finding.indicator = "stability"
        finding.text = "矛盾纠纷排查台账不全"
        finding.planDue = "2024-03-31"
        finding.signedAtMs = 1_700_000_100_000
        var plan = Kaoping_V1_Plan()
        plan.planID = "P-2023-D01-1"
        plan.submitter = "leader:D01"
        plan.campaign = campaign
        plan.findingID = finding.findingID
        plan.measures = "逐户核查，补齐台账"
        plan.responsible = "张三"
        plan.completeBy = "2024-05-31"
        plan.signedAtMs = 1_700_000_200_000
        var review = Kaoping_V1_Review()
        review.reviewID = "R-2023-D01-1"
        review.submitter = "safety_office"
        review.campaign = campaign
        review.findingID = finding.findingID
        review.verdict = .planReturned
        review.planID = plan.planID
        review.reason = "措施不具体"
        review.planDue = "2024-04-15"
        review.signedAtMs = 1_700_000_300_000
        var query = Kaoping_V1_FeedbackQuery()
        query.signedAtMs = 1_700_000_400_000
        query.states = ["open"]
        func sealed(_ message: some SwiftProtobuf.Message, _ type: MessageType, by identity: SigningIdentity) throws
            -> (payload: String, envelope: String)
        {
            let payload: Data = try message.serializedBytes()
            let envelope = try SignedEnvelope.seal(payload: payload, type: type, campaign: campaign, by: identity)
            return (payload.hex, (try envelope.serializedBytes() as Data).hex)
        }
        let feedback = [
            ("finding", try sealed(finding, .finding, by: submitter)), ("plan", try sealed(plan, .plan, by: leader)),
            ("review", try sealed(review, .review, by: submitter)),
            ("feedback_query", try sealed(query, .feedbackQuery, by: leader)),
        ]
        var vectors = [
            "leader_public_key_base64": leader.publicKey.rawRepresentation.base64EncodedString(),
            "leader_secret_seed_base64": Data((0..<32).map { UInt8(64 + $0) }).base64EncodedString(),
        ]
        for (name, (payload, envelope)) in feedback {
            vectors["\(name)_payload_hex"] = payload
            vectors["\(name)_envelope_hex"] = envelope
        }
        return vectors.merging([
            "replay_other_campaign_envelope_hex": try replayed { $0.campaign = "zhongshan-2024" },
            "replay_other_type_envelope_hex": try replayed { $0.type = "heartbeat" },
            "replay_other_version_envelope_hex": try replayed { $0.version = 2 },
            "submitter_secret_seed_base64": submitterSeed.base64EncodedString(),
            "submitter_public_key_base64": submitter.publicKey.rawRepresentation.base64EncodedString(),
            "submitter_key_id": submitter.keyID.rawValue,
            "submission_payload_hex": payload.hex,
            "submission_signing_input_hex": input.hex,
            "submission_signature_hex": envelope.signature.hex,
            "submission_envelope_hex": envelopeBytes.hex,
            "submission_malleated_signature_hex": Self.malleate(envelope.signature).hex,
            "aggregator_secret_seed_base64": aggregatorSeed.base64EncodedString(),
            "aggregator_public_key_base64": aggregator.publicKey.rawRepresentation.base64EncodedString(),
            "aggregator_key_id": aggregator.keyID.rawValue,
            "receipt_payload_hex": receiptPayload.hex,
            "receipt_signature_hex": receiptEnvelope.signature.hex,
            "receipt_envelope_hex": (try receiptEnvelope.serializedBytes() as Data).hex,
            "batch_envelope_hex": EnvelopeBatch.pack([envelopeBytes]).hex,
            "receipt_batch_payload_hex": receiptBatchPayload.hex,
            "receipt_batch_signature_hex": receiptBatchEnvelope.signature.hex,
            "receipt_batch_envelope_hex": (try receiptBatchEnvelope.serializedBytes() as Data).hex,
        ]) { first, _ in first }
    }

    /// S + L, the same signature scalar in a non-canonical encoding; strict verifiers refuse it.
    static func malleate(_ signature: Data) -> Data {
        let order: [UInt8] = [
            0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ]
        var bytes = [UInt8](signature)
        var carry = 0
        for index in 0..<32 {
            let sum = Int(bytes[32 + index]) + Int(order[index]) + carry
            bytes[32 + index] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        return Data(bytes)
    }

    @Test func committedVectorsMatchThisImplementation() throws {
        let built = try Self.vectors()
        if ProcessInfo.processInfo.environment["KAOPING_WRITE_VECTORS"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(built).write(to: Self.file)
        }
        let committed = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: Self.file))
        #expect(committed == built)
    }

    @Test func committedSignaturesVerifyAndTamperingFails() throws {
        let vectors = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: Self.file))
        let key = try KeyFile.publicKey(base64: vectors["submitter_public_key_base64"]!)
        let envelope = try SignedEnvelope.decode(Data(hex: vectors["submission_envelope_hex"]!))
        #expect(SignedEnvelope.verify(envelope, with: key))
        #expect(KeyID(of: key).rawValue == vectors["submitter_key_id"])
        #expect(envelope.keyID == vectors["submitter_key_id"])

        var malleated = envelope
        malleated.signature = Data(hex: vectors["submission_malleated_signature_hex"]!)
        #expect(malleated.signature != envelope.signature)
        #expect(!SignedEnvelope.verify(malleated, with: key))

        for (field, change) in [("version", 2), ("type", 0), ("campaign", 0)] as [(String, Int)] {
            var replayed = envelope
            switch field {
            case "version": replayed.version = UInt32(change)
            case "type": replayed.type = "heartbeat"
            default: replayed.campaign = "zhongshan-2024"
            }
            #expect(!SignedEnvelope.verify(replayed, with: key), "a signature replayed into another \(field) verified")
        }

        for name in ["replay_other_campaign", "replay_other_type", "replay_other_version"] {
            let replay = try SignedEnvelope.decode(Data(hex: vectors["\(name)_envelope_hex"]!))
            #expect(replay.signature == envelope.signature && replay.payload == envelope.payload)
            #expect(!SignedEnvelope.verify(replay, with: key), "\(name) verified")
        }

        let aggregator = try KeyFile.publicKey(base64: vectors["aggregator_public_key_base64"]!)
        let receipt = try SignedEnvelope.decode(Data(hex: vectors["receipt_envelope_hex"]!))
        #expect(SignedEnvelope.verify(receipt, with: aggregator))
        let decoded = try Kaoping_V1_Receipt(serializedBytes: receipt.payload)
        #expect(decoded.status == .accepted)
        #expect(decoded.contentHash == Data(hex: vectors["submission_payload_hex"]!).sha256)
        #expect(decoded.envelopeHash == Data(hex: vectors["submission_envelope_hex"]!).sha256)

        // The batch holds the submission's envelope byte for byte; the receipt batch, signed once, its receipt.
        let batch = Data(hex: vectors["batch_envelope_hex"]!)
        #expect(EnvelopeBatch.isBatch(batch))
        #expect(try EnvelopeBatch.members(of: batch) == [Data(hex: vectors["submission_envelope_hex"]!)])
        let receipts = try SignedEnvelope.decode(Data(hex: vectors["receipt_batch_envelope_hex"]!))
        #expect(receipts.type == "receipt_batch" && receipts.keyID == vectors["aggregator_key_id"])
        #expect(SignedEnvelope.verify(receipts, with: aggregator))
        #expect(try Kaoping_V1_ReceiptBatch(serializedBytes: receipts.payload).receipts == [receipt.payload])
    }

    @Test func feedbackVectorsVerifyAndDecodeAsTheirKinds() throws {
        let vectors = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: Self.file))
        let department = try KeyFile.publicKey(base64: vectors["submitter_public_key_base64"]!)
        let leader = try KeyFile.publicKey(base64: vectors["leader_public_key_base64"]!)
        let expected: [(String, MessageType, Curve25519.Signing.PublicKey, other: Curve25519.Signing.PublicKey)] = [
            ("finding", .finding, department, leader), ("plan", .plan, leader, department),
            ("review", .review, department, leader), ("feedback_query", .feedbackQuery, leader, department),
        ]
        for (name, type, key, other) in expected {
            let envelope = try SignedEnvelope.decode(Data(hex: vectors["\(name)_envelope_hex"]!))
            #expect(envelope.type == type.rawValue && envelope.payload.hex == vectors["\(name)_payload_hex"])
            #expect(SignedEnvelope.verify(envelope, with: key), "\(name) does not verify")
            #expect(!SignedEnvelope.verify(envelope, with: other))
        }
        let review = try FeedbackStep.decode(envelope: Data(hex: vectors["review_envelope_hex"]!))
        #expect(review == .review(Review(
            id: "R-2023-D01-1", submitter: "safety_office", campaign: "zhongshan-2023", findingID: "F-2023-D01-1",
            verdict: .returned, planID: "P-2023-D01-1", reason: "措施不具体", planDue: "2024-04-15")))
    }
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}
