import Foundation
import KaopingWire
import SwiftProtobuf

/// A receipt whose aggregator signature verified.
public struct VerifiedReceipt: Sendable {
    public let receipt: Kaoping_V1_Receipt
    /// The receipt envelope exactly as received: the proof of delivery to keep.
    public let envelope: Data
}

/// Checking what the aggregator answers.
public enum ReceiptCheck {
    /// Opens a receipt envelope, verifying that the aggregator's key signed it for `campaign`.
    public static func open(_ bytes: Data, aggregatorKey: Keyring.Entry, campaign: String) throws(WireError)
        -> VerifiedReceipt
    {
        let envelope = try SignedEnvelope.decode(bytes)
        guard envelope.type == MessageType.receipt.rawValue else {
            throw WireError("expected a receipt, got a '\(envelope.type)' envelope")
        }
        guard envelope.campaign == campaign else {
            throw WireError("the receipt is for campaign '\(envelope.campaign)', not '\(campaign)'")
        }
        guard envelope.keyID == aggregatorKey.keyID.rawValue,
            SignedEnvelope.verify(envelope, with: aggregatorKey.publicKey)
        else {
            throw WireError("the receipt is not signed by the aggregator's key \(aggregatorKey.keyID); do not trust it")
        }
        do {
            return VerifiedReceipt(receipt: try Kaoping_V1_Receipt(serializedBytes: envelope.payload), envelope: bytes)
        } catch {
            throw WireError("the receipt payload is not a kaoping.v1.Receipt")
        }
    }
}
