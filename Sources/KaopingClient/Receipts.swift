import Foundation
import KaopingWire
import SwiftProtobuf

/// A receipt whose aggregator signature verified.
public struct VerifiedReceipt: Sendable {
    public let receipt: Kaoping_V1_Receipt
    /// The envelope exactly as received, the proof of delivery to keep: a `receipt`, or the `receipt_batch` that
    /// holds this receipt as its entry `entry`.
    public let envelope: Data
    public let entry: Int?
}

/// Checking what the aggregator answers.
public enum ReceiptCheck {
    /// The largest receipt taken: a receipt batch of 64 or a duplicate's receipt with the original inside is tens
    /// of kilobytes; a reason may quote what was sent.
    public static let maximumReceiptBytes = 1 << 20

    /// Opens a receipt envelope, verifying that the aggregator's key signed it for `campaign`.
    public static func open(_ bytes: Data, aggregatorKey: Keyring.Entry, campaign: String) throws(WireError)
        -> VerifiedReceipt
    {
        let envelope = try verified(bytes, aggregatorKey: aggregatorKey, campaign: campaign)
        guard envelope.type == MessageType.receipt.rawValue else {
            throw WireError("expected a receipt, got a '\(envelope.type)' envelope")
        }
        return VerifiedReceipt(receipt: try receipt(envelope.payload), envelope: bytes, entry: nil)
    }

    /// Opens a kept proof of delivery: a `receipt`, or (with `entry`) the receipt at that place in a `receipt_batch`.
    public static func open(_ bytes: Data, entry: Int?, aggregatorKey: Keyring.Entry, campaign: String)
        throws(WireError) -> VerifiedReceipt
    {
        guard let entry else { return try open(bytes, aggregatorKey: aggregatorKey, campaign: campaign) }
        let receipts = try openAll(bytes, aggregatorKey: aggregatorKey, campaign: campaign)
        guard receipts.indices.contains(entry), receipts[entry].entry == entry else {
            throw WireError("the receipt batch has no entry \(entry) (it holds \(receipts.count))")
        }
        return receipts[entry]
    }

    /// Opens what the ingest endpoint answers: a `receipt`, or a `receipt_batch` (the answer to batch members) whose
    /// receipts are returned in order; the aggregator's signature is verified once for all of them.
    public static func openAll(_ bytes: Data, aggregatorKey: Keyring.Entry, campaign: String) throws(WireError)
        -> [VerifiedReceipt]
    {
        let envelope = try verified(bytes, aggregatorKey: aggregatorKey, campaign: campaign)
        switch envelope.type {
        case MessageType.receipt.rawValue:
            return [VerifiedReceipt(receipt: try receipt(envelope.payload), envelope: bytes, entry: nil)]
        case MessageType.receiptBatch.rawValue:
            let batch: Kaoping_V1_ReceiptBatch
            do {
                batch = try SignedEnvelope.decodePayload(Kaoping_V1_ReceiptBatch.self, from: envelope.payload)
            } catch {
                throw WireError("the receipt batch payload is not a kaoping.v1.ReceiptBatch")
            }
            var receipts: [VerifiedReceipt] = []
            receipts.reserveCapacity(batch.receipts.count)
            for (index, entry) in batch.receipts.enumerated() {
                receipts.append(VerifiedReceipt(receipt: try receipt(entry), envelope: bytes, entry: index))
            }
            return receipts
        default:
            throw WireError("expected a receipt, got a '\(envelope.type)' envelope")
        }
    }

    /// Opens the aggregator's answer to a feedback query, verifying that its key signed it for `campaign`; nil for
    /// an envelope of another type (a receipt).
    public static func openFeedbackList(_ bytes: Data, aggregatorKey: Keyring.Entry, campaign: String)
        throws(WireError) -> Kaoping_V1_FeedbackList?
    {
        let envelope = try verified(bytes, aggregatorKey: aggregatorKey, campaign: campaign)
        guard envelope.type == MessageType.feedbackList.rawValue else { return nil }
        do {
            return try SignedEnvelope.decodePayload(Kaoping_V1_FeedbackList.self, from: envelope.payload)
        } catch {
            throw WireError("the feedback list payload is not a kaoping.v1.FeedbackList")
        }
    }

    /// Whether `bytes` is an envelope of type `feedback_list` (unverified: a look at its type before opening it).
    public static func isFeedbackList(_ bytes: Data) -> Bool {
        (try? SignedEnvelope.decode(bytes, limit: maximumReceiptBytes))?.type == MessageType.feedbackList.rawValue
    }

    private static func verified(_ bytes: Data, aggregatorKey: Keyring.Entry, campaign: String) throws(WireError)
        -> Kaoping_V1_Envelope
    {
        let envelope = try SignedEnvelope.decode(bytes, limit: maximumReceiptBytes)
        guard envelope.campaign == campaign else {
            throw WireError("the receipt is for campaign '\(envelope.campaign)', not '\(campaign)'")
        }
        guard envelope.keyID == aggregatorKey.keyID.rawValue,
            SignedEnvelope.verify(envelope, with: aggregatorKey)
        else {
            throw WireError("the receipt is not signed by the aggregator's key \(aggregatorKey.keyID); do not trust it")
        }
        return envelope
    }

    private static func receipt(_ bytes: Data) throws(WireError) -> Kaoping_V1_Receipt {
        do {
            return try SignedEnvelope.decodePayload(Kaoping_V1_Receipt.self, from: bytes)
        } catch {
            throw WireError("the receipt payload is not a kaoping.v1.Receipt")
        }
    }
}
