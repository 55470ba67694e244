import Foundation
import KaopingWire

/// What the load generator reads of a sealed receipt — its status, ledger position, the key of the envelope hash it
/// answers (``CityCampaign/receiptKey(_:)``) and a refusal's reason — found in its bytes (Protocol Buffers' binary
/// form) without building the envelope and receipt messages. SwiftProtobuf's decoding of both, strings and all, took
/// a third of the load generator's CPU, on the cores the aggregator is measured on. Each sender checks its first
/// receipts against SwiftProtobuf's decoding (``init(decoding:)``), and the signature is not checked at all: the
/// aggregator's receipts are verified by the agents and the protocol tests, not by the load generator.
struct ReceiptFields: Equatable {
    var status = Kaoping_V1_Status.unspecified
    var ledgerPosition: UInt64 = 0
    var key: UInt64 = 0
    var reason = ""

    private init() {}

    /// Reads a sealed receipt (`kaoping.v1.Envelope` carrying a `kaoping.v1.Receipt`); nil when the bytes are not
    /// Protocol Buffers' binary form.
    init?(_ sealed: Data) {
        guard let fields = sealed.withUnsafeBytes(Self.read) else { return nil }
        self = fields
    }

    private static func read(_ sealed: UnsafeRawBufferPointer) -> ReceiptFields? {
        // The envelope's field 4 is the payload: the receipt's own bytes.
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        guard scan(sealed, { field, value in if field == 4, case .bytes(let bytes) = value { payload = bytes } })
        else { return nil }
        var fields = ReceiptFields()
        var reason = UnsafeRawBufferPointer(start: nil, count: 0)
        let scanned = scan(payload) { field, value in
            switch (field, value) {
            case (2, .varint(let status)):
                let raw = Int(truncatingIfNeeded: status)
                fields.status = Kaoping_V1_Status(rawValue: raw) ?? .UNRECOGNIZED(raw)
            case (3, .bytes(let bytes)): reason = bytes
            case (5, .varint(let position)): fields.ledgerPosition = position
            case (11, .bytes(let hash)): fields.key = CityCampaign.receiptKey(hash)
            default: break
            }
        }
        guard scanned else { return nil }
        // A string is made only for a refusal: every receipt of a valid campaign says accepted.
        if fields.status != .accepted { fields.reason = String(decoding: reason, as: UTF8.self) }
        return fields
    }

    /// The same fields, decoded by SwiftProtobuf.
    init?(decoding sealed: Data) {
        guard let envelope = try? SignedEnvelope.decode(sealed),
            let receipt = try? Kaoping_V1_Receipt(serializedBytes: envelope.payload)
        else { return nil }
        status = receipt.status
        ledgerPosition = receipt.ledgerPosition
        key = CityCampaign.receiptKey(receipt.envelopeHash)
        reason = receipt.status == .accepted ? "" : receipt.reason
    }

    private enum Value {
        case varint(UInt64)
        case bytes(UnsafeRawBufferPointer)
        case fixed
    }

    /// Calls `visit` with each field of a message, in order; false when the bytes end inside a field or a field's
    /// wire type is unknown.
    private static func scan(_ bytes: UnsafeRawBufferPointer, _ visit: (UInt64, Value) -> Void) -> Bool {
        var offset = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                guard offset < bytes.count else { return nil }
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return value }
            }
            return nil
        }
        while offset < bytes.count {
            guard let tag = varint() else { return false }
            switch tag & 7 {
            case 0:
                guard let value = varint() else { return false }
                visit(tag >> 3, .varint(value))
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - offset) else { return false }
                visit(tag >> 3, .bytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])))
                offset += Int(length)
            case 1, 5:
                let size = tag & 7 == 1 ? 8 : 4
                guard size <= bytes.count - offset else { return false }
                offset += size
                visit(tag >> 3, .fixed)
            default:
                return false
            }
        }
        return true
    }
}
