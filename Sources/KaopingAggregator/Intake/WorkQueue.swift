import Foundation
import Synchronization
import ZeroMQ

/// Work for the ledger keeper, from the ingest socket or the control endpoint.
enum Work: Sendable {
    /// A submission or heartbeat, with its envelope decoded and signature verified on the way in (or nil: the
    /// keeper checks it itself).
    case ingest(RoutedRequest, LedgerKeeper.Prechecked? = nil)
    case control(RoutedRequest)
}

/// A multi-producer queue the ledger keeper takes in batches: whatever arrived while the last batch was being
/// committed forms the next batch (group commit sized by load).
final class WorkQueue: Sendable {
    private let state = Mutex<(items: [Work], finished: Bool)>(([], false))
    private let signal: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    /// The consumer's side of `signal`.
    private nonisolated(unsafe) var signals: AsyncStream<Void>.Iterator
    /// Work refused because the queue was full (the sender retries; nothing was acknowledged).
    let dropped = Atomic<Int>(0)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        (signal, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        signals = signal.makeAsyncIterator()
    }

    /// Adds work; returns false (and drops it) when the queue is full or finished.
    @discardableResult
    func enqueue(_ work: Work) -> Bool {
        let added = state.withLock { state in
            guard !state.finished, state.items.count < capacity else { return false }
            state.items.append(work)
            return true
        }
        if added { continuation.yield() } else { dropped.add(1, ordering: .relaxed) }
        return added
    }

    /// No more work will be added; ``nextBatch(maximum:)`` returns nil once the queue is empty.
    func finish() {
        state.withLock { $0.finished = true }
        continuation.finish()
    }

    /// The next batch of at most `maximum` items, in arrival order, waiting for work when there is none; nil once
    /// the queue is finished and empty. One consumer only.
    func nextBatch(maximum: Int) async -> [Work]? {
        while true {
            let batch = take(maximum: maximum)
            if !batch.isEmpty { return batch }
            if state.withLock({ $0.finished }) { return nil }
            await signals.next()
        }
    }

    private func take(maximum: Int) -> [Work] {
        state.withLock { state in
            let count = min(maximum, state.items.count)
            let batch = Array(state.items.prefix(count))
            state.items.removeFirst(count)
            return batch
        }
    }
}
