import Foundation
import KaopingCore
import KaopingWire
import Synchronization

/// A ranking update as the ledger keeper publishes it: the feed encodes it (off the keeper).
struct PublishedUpdate: Sendable {
    let standings: StandingsUpdate
    let ledgerPosition: Int
    let updatedAt: Timestamp
    let epoch: Int64
    /// The feedback counts, when they changed.
    var feedback: Kaoping_V1_FeedbackCounts?

    /// The feed's `RankingUpdate`, serialized (the counts, field 13, appended: fields of a message may come in any
    /// order).
    func encoded() -> Data {
        var body = standings.encoded(ledgerPosition: ledgerPosition, updatedAt: updatedAt, epoch: epoch)
        if let feedback {
            var update = Kaoping_V1_RankingUpdate()
            update.feedback = feedback
            // Serializing a plain message cannot fail.
            body.append(try! update.serializedBytes())
        }
        return body
    }
}

/// The feed's sequence and the updates to send, shared by the ledger keeper (which publishes), the feed (which sends
/// them) and the snapshot endpoint (which answers late joiners with the state at the current sequence).
final class PublishedState: Sendable {
    private let current = Mutex<UInt64>(0)
    private let updates: AsyncStream<(UInt64, PublishedUpdate)>.Continuation
    /// The start of this process: a subscriber that sees another epoch knows the sequence started again.
    let epoch: Int64
    /// Each published update with its sequence, for the feed publisher. Only the newest few are kept: a slow feed
    /// skips updates (subscribers see a sequence gap and fetch a snapshot) rather than queueing without bound.
    let stream: AsyncStream<(UInt64, PublishedUpdate)>

    init(epoch: Int64) {
        self.epoch = epoch
        (stream, updates) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(256))
    }

    /// Numbers an update with the next sequence and hands it to the feed; returns the sequence.
    @discardableResult
    func publish(
        _ update: StandingsUpdate, ledgerPosition: Int, updatedAt: Timestamp, feedback: Kaoping_V1_FeedbackCounts? = nil
    ) -> UInt64 {
        let sequence = current.withLock { sequence in
            sequence += 1
            return sequence
        }
        let published = PublishedUpdate(
            standings: update, ledgerPosition: ledgerPosition, updatedAt: updatedAt, epoch: epoch, feedback: feedback)
        updates.yield((sequence, published))
        return sequence
    }

    var sequence: UInt64 { current.withLock { $0 } }

    func finish() {
        updates.finish()
    }
}
