import Foundation
import SwiftProtobuf

/// Many signed envelopes in one message (docs/protocol.md, "Batches"): an unsigned `Envelope` of type `batch` whose
/// payload is an `IngestBatch`. Each member is a whole signed envelope, checked and answered as if it had come
/// alone; the aggregator answers members in `receipt_batch` envelopes, each signed once.
public enum EnvelopeBatch {
    /// The most members a batch, and a receipt batch, may hold.
    public static let maximumMembers = 64

    /// The message carrying `envelopes` (at most ``maximumMembers``, and 65 536 bytes in all).
    public static func pack(_ envelopes: [Data]) -> Data {
        var batch = Kaoping_V1_IngestBatch()
        batch.envelopes = envelopes
        var envelope = Kaoping_V1_Envelope()
        envelope.version = SignedEnvelope.protocolVersion
        envelope.type = MessageType.batch.rawValue
        // Serializing plain messages cannot fail.
        envelope.payload = try! batch.serializedBytes()
        return try! envelope.serializedBytes()
    }

    /// The bytes of a batch holding `envelopes`, without building it: what a sender checks against the message
    /// limit before adding one more member.
    public static func packedSize(ofMembers sizes: some Sequence<Int>) -> Int {
        let payload = sizes.reduce(0) { $0 + 1 + varintSize($1) + $1 }
        let type = MessageType.batch.rawValue.utf8.count
        return 2 + (2 + type) + 1 + varintSize(payload) + payload
    }

    private static func varintSize(_ value: Int) -> Int {
        var size = 1
        var rest = value >> 7
        while rest > 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    /// Whether `body` is an envelope of type `batch`, read without decoding it: its `type` field only (the last one,
    /// as Protocol Buffers reads a field given twice). Bytes this reader does not follow (an unknown field in a group,
    /// a value cut short) are decoded by SwiftProtobuf instead, so that the answer is always its reading.
    public static func isBatch(_ body: Data) -> Bool {
        let fast: Bool? = body.withUnsafeBytes { bytes in
            var reader = ProtobufReader(bytes)
            var isBatch = false
            while !reader.atEnd {
                guard let tag = reader.varint() else { return nil }
                if tag == 2 << 3 | 2 {
                    guard let type = reader.delimited() else { return nil }
                    isBatch = type.elementsEqual(MessageType.batch.rawValue.utf8)
                } else if !reader.skip(tag) {
                    return nil
                }
            }
            return isBatch
        }
        return fast ?? ((try? SignedEnvelope.decode(body))?.type == MessageType.batch.rawValue)
    }

    /// The members of the batch `body` (an envelope of type `batch`); throws, saying what is wrong, when it cannot be
    /// read as one or holds no member or more than ``maximumMembers``.
    public static func members(of body: Data) throws(WireError) -> [Data] {
        let envelope = try SignedEnvelope.decode(body)
        guard envelope.version == SignedEnvelope.protocolVersion, envelope.type == MessageType.batch.rawValue else {
            throw WireError(
                "a batch is an envelope of version \(SignedEnvelope.protocolVersion) and type 'batch'; this one has "
                    + "version \(envelope.version) and type '\(envelope.type)'")
        }
        let batch: Kaoping_V1_IngestBatch
        do {
            batch = try SignedEnvelope.decodePayload(Kaoping_V1_IngestBatch.self, from: envelope.payload)
        } catch {
            throw WireError("the batch's payload is not a kaoping.v1.IngestBatch")
        }
        guard !batch.envelopes.isEmpty, batch.envelopes.count <= maximumMembers else {
            throw WireError(
                "a batch holds 1 to \(maximumMembers) envelopes; this one holds \(batch.envelopes.count): send the "
                    + "rest in another batch")
        }
        return batch.envelopes
    }
}
