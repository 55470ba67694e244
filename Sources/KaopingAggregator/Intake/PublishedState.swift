import Foundation
import KaopingWire
import Synchronization

/// The latest ranking and its feed sequence, shared by the ledger keeper (which publishes), the feed (which sends
/// updates) and the snapshot endpoint (which answers late joiners) — always a consistent pair.
final class PublishedState: Sendable {
    private let current = Mutex<(sequence: UInt64, ranking: Kaoping_V1_Ranking)>((0, Kaoping_V1_Ranking()))
    private let updates: AsyncStream<(UInt64, Kaoping_V1_Ranking)>.Continuation
    /// Each published ranking with its sequence, for the feed publisher. Only the newest few are kept: a slow feed
    /// skips intermediate rankings (subscribers see a sequence gap and resnapshot) rather than queueing them.
    let stream: AsyncStream<(UInt64, Kaoping_V1_Ranking)>

    init() {
        (stream, updates) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(16))
    }

    /// Sets a new ranking, numbered with the next sequence, and hands it to the feed.
    func publish(_ ranking: Kaoping_V1_Ranking) {
        let sequence = current.withLock { state in
            state.sequence += 1
            state.ranking = ranking
            return state.sequence
        }
        updates.yield((sequence, ranking))
    }

    var sequence: UInt64 { current.withLock { $0.sequence } }

    /// The snapshot a late joiner starts from.
    func snapshot() -> Kaoping_V1_Snapshot {
        current.withLock { state in
            var snapshot = Kaoping_V1_Snapshot()
            snapshot.sequence = state.sequence
            snapshot.ranking = state.ranking
            return snapshot
        }
    }

    func finish() {
        updates.finish()
    }
}
