import Foundation
import KaopingWire

/// What the load generator reads of a sealed receipt (or of each receipt of a receipt batch) — its status, ledger
/// position, the key of the envelope hash it answers (``CityCampaign/receiptKey(_:)``) and a refusal's reason — found
/// in its bytes (Protocol Buffers' binary form) without building the envelope and receipt messages. SwiftProtobuf's
/// decoding of both, strings and all, took a third of the load generator's CPU, on the cores the aggregator is
/// measured on. Each sender checks its first receipts against SwiftProtobuf's decoding (``all(decoding:)``), and the
/// signature is not checked at all: the aggregator's receipts are verified by the agents and the protocol tests, not
/// by the load generator.
struct ReceiptFields: Equatable {
    var status = Kaoping_V1_Status.unspecified
    var ledgerPosition: UInt64 = 0
    var key: UInt64 = 0
    var reason = ""

    private init() {}

    /// Reads the receipts of a sealed `receipt` or `receipt_batch` (`kaoping.v1.Envelope` carrying a
    /// `kaoping.v1.Receipt` or a `kaoping.v1.ReceiptBatch`); nil when the bytes are not Protocol Buffers' binary form.
    static func all(_ sealed: Data) -> [ReceiptFields]? {
        sealed.withUnsafeBytes { sealed -> [ReceiptFields]? in
            // The envelope's field 2 is its type, field 4 its payload: a receipt's own bytes, or a batch of them (its
            // field 1, repeated).
            var payload = UnsafeRawBufferPointer(start: nil, count: 0)
            var isBatch = false
            var envelope = ProtobufReader(sealed)
            while !envelope.atEnd {
                guard let tag = envelope.varint() else { return nil }
                if tag == 4 << 3 | 2 {
                    guard let bytes = envelope.delimited() else { return nil }
                    payload = bytes
                } else if tag == 2 << 3 | 2 {
                    guard let type = envelope.delimited() else { return nil }
                    isBatch = type.elementsEqual(MessageType.receiptBatch.rawValue.utf8)
                } else if !envelope.skip(tag) {
                    return nil
                }
            }
            guard isBatch else { return read(payload).map { [$0] } }
            var receipts: [ReceiptFields] = []
            var batch = ProtobufReader(payload)
            while !batch.atEnd {
                guard batch.varint() == 1 << 3 | 2, let entry = batch.delimited(), let receipt = read(entry) else {
                    return nil
                }
                receipts.append(receipt)
            }
            return receipts
        }
    }

    /// Reads a `kaoping.v1.Receipt`.
    private static func read(_ payload: UnsafeRawBufferPointer) -> ReceiptFields? {
        var fields = ReceiptFields()
        var reason = UnsafeRawBufferPointer(start: nil, count: 0)
        var receipt = ProtobufReader(payload)
        while !receipt.atEnd {
            guard let tag = receipt.varint() else { return nil }
            switch tag {
            case 2 << 3:
                guard let status = receipt.varint() else { return nil }
                let raw = Int(truncatingIfNeeded: status)
                fields.status = Kaoping_V1_Status(rawValue: raw) ?? .UNRECOGNIZED(raw)
            case 3 << 3 | 2:
                guard let bytes = receipt.delimited() else { return nil }
                reason = bytes
            case 5 << 3:
                guard let position = receipt.varint() else { return nil }
                fields.ledgerPosition = position
            case 11 << 3 | 2:
                guard let hash = receipt.delimited() else { return nil }
                fields.key = CityCampaign.receiptKey(hash)
            default:
                guard receipt.skip(tag) else { return nil }
            }
        }
        // A string is made only for a refusal: every receipt of a valid campaign says accepted.
        if fields.status != .accepted { fields.reason = String(decoding: reason, as: UTF8.self) }
        return fields
    }

    /// The same receipts, decoded by SwiftProtobuf.
    static func all(decoding sealed: Data) -> [ReceiptFields]? {
        guard let envelope = try? SignedEnvelope.decode(sealed) else { return nil }
        guard envelope.type == MessageType.receiptBatch.rawValue else {
            return (try? Kaoping_V1_Receipt(serializedBytes: envelope.payload)).map { [ReceiptFields($0)] }
        }
        guard let batch = try? Kaoping_V1_ReceiptBatch(serializedBytes: envelope.payload) else { return nil }
        var receipts: [ReceiptFields] = []
        for entry in batch.receipts {
            guard let receipt = try? Kaoping_V1_Receipt(serializedBytes: entry) else { return nil }
            receipts.append(ReceiptFields(receipt))
        }
        return receipts
    }

    private init(_ receipt: Kaoping_V1_Receipt) {
        status = receipt.status
        ledgerPosition = receipt.ledgerPosition
        key = CityCampaign.receiptKey(receipt.envelopeHash)
        reason = receipt.status == .accepted ? "" : receipt.reason
    }
}
