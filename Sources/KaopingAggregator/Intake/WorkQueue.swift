import Foundation
import Synchronization
import ZeroMQ

/// Work for the ledger keeper, from the ingest socket or the control endpoint.
enum Work: Sendable {
    /// A submission or heartbeat, with its envelope decoded and signature verified on the way in (or nil: the
    /// keeper checks it itself).
    case ingest(RoutedRequest, LedgerKeeper.Prechecked? = nil)
    /// A control request; one to reload the keyring comes with the file read.
    case control(RoutedRequest, LedgerKeeper.KeyringReload? = nil)
}

/// A multi-producer queue the ledger keeper drains in batches: whatever arrived while the last batch was being
/// committed forms the next batch (group commit sized by load).
final class WorkQueue: Sendable {
    private let state = Mutex<(items: [Work], finished: Bool)>(([], false))
    private let signal: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    /// Work refused because the queue was full (the sender retries; nothing was acknowledged).
    let dropped = Atomic<Int>(0)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        (signal, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds work in order, as much as there is room for; drops (and counts) the rest when the queue is full, and
    /// everything once it is finished. Returns how many were added.
    @discardableResult
    func enqueue(_ works: [Work]) -> Int {
        let (added, wasEmpty) = state.withLock { state in
            guard !state.finished else { return (0, false) }
            let wasEmpty = state.items.isEmpty
            let added = min(works.count, max(0, capacity - state.items.count))
            if added > 0 { state.items.append(contentsOf: works.prefix(added)) }
            return (added, wasEmpty)
        }
        // The keeper waits for a signal only once it has found the queue empty: work added to a queue that holds
        // some will be taken without one.
        if added > 0, wasEmpty { continuation.yield() }
        if added < works.count { dropped.add(works.count - added, ordering: .relaxed) }
        return added
    }

    /// The work waiting now.
    var count: Int { state.withLock { $0.items.count } }

    /// No more work will be added; ``drain(maximum:_:)`` ends once the queue is empty.
    func finish() {
        state.withLock { $0.finished = true }
        continuation.finish()
    }

    /// Calls `body` with batches of at most `maximum` items, in arrival order, until the queue is finished and
    /// empty. One consumer only.
    func drain<Failure: Error>(maximum: Int, _ body: ([Work]) async throws(Failure) -> Void) async throws(Failure) {
        var signals = signal.makeAsyncIterator()
        while true {
            let batch = take(maximum: maximum)
            if !batch.isEmpty {
                try await body(batch)
                continue
            }
            if await signals.next() == nil {
                while case let batch = take(maximum: maximum), !batch.isEmpty {
                    try await body(batch)
                }
                return
            }
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
