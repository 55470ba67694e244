@preconcurrency import Crypto
import Foundation
import SwiftProtobuf

/// The message types an envelope can carry; the name is part of what is signed.
public enum MessageType: String, Sendable, CaseIterable {
    case submission
    case receipt
    case heartbeat
    case control
    case controlReply = "control_reply"
    /// Many signed envelopes in one message; not signed itself (``EnvelopeBatch``).
    case batch
    /// The receipts of batch members, signed once.
    case receiptBatch = "receipt_batch"
    /// The feedback loop (docs/protocol.md §7): a department's finding, a district head's plan, a department's
    /// review; a request for findings and the aggregator's answer.
    case finding
    case plan
    case review
    case feedbackQuery = "feedback_query"
    case feedbackList = "feedback_list"

    /// The three kinds of the feedback loop, decided by the ledger keeper like submissions.
    public static let feedbackSteps: [MessageType] = [.finding, .plan, .review]
}

/// Signing and opening envelopes (docs/protocol.md, "Signatures").
public enum SignedEnvelope {
    /// The protocol version this code speaks.
    public static let protocolVersion: UInt32 = 1
    /// Envelopes larger than this are refused before decoding (what the aggregator takes in).
    public static let maximumEnvelopeBytes = 64 * 1024
    /// The limit for the aggregator's control replies: a status reply lists every missing cell, every submitter
    /// and the ranking, several megabytes for a city of 6 000 districts.
    public static let maximumControlReplyBytes = 64 * 1024 * 1024

    /// The exact bytes an Ed25519 signature covers:
    /// `"kaoping" 0x00 VERSION 0x00 TYPE 0x00 CAMPAIGN 0x00 PAYLOAD`, with VERSION in decimal ASCII.
    public static func signingInput(version: UInt32, type: String, campaign: String, payload: Data) -> Data {
        withSigningInput(version: version, type: type, campaign: campaign, payload: payload) { Data($0) }
    }

    /// Calls `body` with the signing input, written once into a buffer of its own: every message is signed or
    /// verified, and building the input as a growing `Data` cost several allocations each time.
    static func withSigningInput<Result>(
        version: UInt32, type: String, campaign: String, payload: Data,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        let version = String(version)  // a few digits: a small string, not allocated
        let count = 11 + version.utf8.count + type.utf8.count + campaign.utf8.count + payload.count
        return try withUnsafeTemporaryAllocation(byteCount: count, alignment: 1) { buffer in
            var offset = 0
            func append<Bytes: Collection<UInt8>>(_ bytes: Bytes, then separator: Bool) {
                UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]).copyBytes(from: bytes)
                offset += bytes.count
                if separator {
                    buffer[offset] = 0
                    offset += 1
                }
            }
            append("kaoping".utf8, then: true)
            append(version.utf8, then: true)
            append(type.utf8, then: true)
            append(campaign.utf8, then: true)
            append(payload, then: false)
            assert(offset == count)
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// An envelope carrying `payload`, signed by `identity`.
    public static func seal(
        payload: Data, type: MessageType, campaign: String, by identity: SigningIdentity
    ) throws -> Kaoping_V1_Envelope {
        var envelope = Kaoping_V1_Envelope()
        envelope.version = protocolVersion
        envelope.type = type.rawValue
        envelope.campaign = campaign
        envelope.payload = payload
        envelope.keyID = identity.keyID.rawValue
        envelope.signature = try withSigningInput(
            version: protocolVersion, type: type.rawValue, campaign: campaign, payload: payload
        ) { try identity.privateKey.signature(for: $0) }
        return envelope
    }

    /// Serializes `message` and seals it.
    public static func seal(
        _ message: some SwiftProtobuf.Message, type: MessageType, campaign: String, by identity: SigningIdentity
    ) throws -> Data {
        try seal(payload: try message.serializedBytes(), type: type, campaign: campaign, by: identity)
            .serializedBytes()
    }

    /// Whether `envelope`'s signature verifies with `key`, over its own version, type and campaign, by the
    /// protocol's rule (``Ed25519``).
    public static func verify(
        _ envelope: Kaoping_V1_Envelope, with key: Keyring.Entry,
        using implementation: Ed25519.Implementation = Ed25519.implementation
    ) -> Bool {
        verify(envelope, withKeyBytes: key.publicKeyBytes, using: implementation)
    }

    /// ``verify(_:with:using:)`` with a key that is not a keyring entry.
    public static func verify(_ envelope: Kaoping_V1_Envelope, with key: Curve25519.Signing.PublicKey) -> Bool {
        verify(envelope, withKeyBytes: key.rawRepresentation, using: Ed25519.implementation)
    }

    private static func verify(
        _ envelope: Kaoping_V1_Envelope, withKeyBytes key: Data, using implementation: Ed25519.Implementation
    ) -> Bool {
        withSigningInput(
            version: envelope.version, type: envelope.type, campaign: envelope.campaign, payload: envelope.payload
        ) { Ed25519.isValidSignature(envelope.signature, for: $0, publicKey: key, using: implementation) }
    }

    /// Decodes an envelope, refusing input larger than `limit` before parsing.
    public static func decode(
        _ bytes: Data, limit: Int = maximumEnvelopeBytes
    ) throws(WireError) -> Kaoping_V1_Envelope {
        guard bytes.count <= limit else {
            throw WireError("the envelope is \(bytes.count) bytes; the limit is \(limit)")
        }
        do {
            return try Kaoping_V1_Envelope(serializedBytes: bytes, options: decodingOptions)
        } catch {
            throw WireError("not a Kaoping envelope (protobuf kaoping.v1.Envelope): \(error)")
        }
    }

    /// Protobuf limits for everything received: the messages of the protocol are flat (a map at most).
    public static var decodingOptions: BinaryDecodingOptions {
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = 8
        return options
    }

    /// Decodes an envelope's payload with the protocol's limits.
    public static func decodePayload<M: SwiftProtobuf.Message>(_ type: M.Type, from payload: Data) throws -> M {
        try M(serializedBytes: payload, options: decodingOptions)
    }
}

/// A message that could not be read as the protocol says.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
