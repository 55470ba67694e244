import Synchronization

/// The inbound messages of one socket, between the loop thread (which pushes) and one consuming task.
///
/// Bounded with backpressure, not by dropping: when `capacity` messages wait, the loop stops reading the socket
/// until the consumer takes one, so libzmq's per-peer queues and high-water marks push back on whoever sends too
/// much, and a ROUTER keeps serving its other peers fairly.
public final class Inbound: AsyncSequence, Sendable {
    public typealias Element = Multipart

    private struct State {
        var items: [Multipart] = []
        var head = 0
        var finished = false
        var waiter: CheckedContinuation<Multipart?, Never>?

        var count: Int { items.count - head }

        mutating func takeFirst() -> Multipart? {
            guard head < items.count else { return nil }
            let item = items[head]
            head += 1
            if head > 64, head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    private let state = Mutex(State())
    let capacity: Int
    /// Called (from the consumer) when room appears in a full buffer: wakes the loop to read again.
    private let onRoom: @Sendable () -> Void

    init(capacity: Int, onRoom: @escaping @Sendable () -> Void) {
        self.capacity = Swift.max(1, capacity)
        self.onRoom = onRoom
    }

    /// Whether the loop should stop reading the socket for now.
    var isFull: Bool { state.withLock { $0.count >= capacity } }

    /// Hands a message to the consumer (loop thread only).
    func push(_ message: Multipart) {
        let waiter = state.withLock { state -> CheckedContinuation<Multipart?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(message)
            return nil
        }
        waiter?.resume(returning: message)
    }

    /// No more messages: the consumer sees the end once it has taken what is buffered.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Multipart?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next message, waiting for one; nil at the end or when the task is cancelled.
    func next() async -> Multipart? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Multipart?, Never>) in
                let (ready, wasFull) = state.withLock { state -> (Multipart??, Bool) in
                    let wasFull = state.count >= capacity
                    if let item = state.takeFirst() { return (.some(item), wasFull) }
                    if state.finished || Task.isCancelled { return (.some(nil), false) }
                    state.waiter = continuation
                    return (nil, false)
                }
                if let ready { continuation.resume(returning: ready) }
                if wasFull { onRoom() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Multipart?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The next message, waiting for one, and up to `maximum - 1` more that are already waiting; empty at the end
    /// or when the task is cancelled. For consumers that work in batches.
    public func next(upTo maximum: Int) async -> [Multipart] {
        guard let first = await next() else { return [] }
        var batch = [first]
        let wasFull = state.withLock { state -> Bool in
            let wasFull = state.count >= capacity
            while batch.count < maximum, let item = state.takeFirst() { batch.append(item) }
            return wasFull
        }
        if wasFull { onRoom() }
        return batch
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let inbound: Inbound

        public mutating func next() async -> Multipart? {
            await inbound.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inbound: self)
    }
}
