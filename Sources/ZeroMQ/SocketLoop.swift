import CZeroMQ
import Foundation
import Synchronization

/// One thread that owns a set of libzmq sockets: it polls them, hands inbound messages to `AsyncStream`s and
/// performs sends queued from any task, woken by an eventfd.
///
/// libzmq sockets are not thread-safe; here every call on a socket happens on the loop's own thread, which is what
/// makes the `@unchecked Sendable` below sound: the socket table is touched only by that thread, and everything
/// other threads touch is behind ``pending``'s mutex or is itself thread-safe (the eventfd, stream continuations).
public final class SocketLoop: @unchecked Sendable {
    /// Names a socket of this loop.
    public struct Handle: Hashable, Sendable {
        let id: Int
    }

    /// What ``open(_:options:bind:connect:inboundLimit:)`` returns.
    public struct Opened: Sendable {
        public let handle: Handle
        /// Inbound messages, with backpressure; empty for sockets that do not receive (PUB). Ends when the socket
        /// is closed.
        public let incoming: Inbound
        /// The bound endpoints with the ports chosen for `*`.
        public let endpoints: [String]
    }

    private enum Command {
        case open(
            SocketType, [SocketOption], bind: [String], connect: [String], inboundLimit: Int,
            CheckedContinuation<Opened, any Error>)
        case send(Handle, Multipart, CheckedContinuation<Void, any Error>?)
        case close(Handle, linger: Int32)
        case stop(linger: Int32)
    }

    private struct Entry {
        let socket: Socket
        let inbound: Inbound
        let receives: Bool
    }

    private let context: Context
    private let name: String
    private let wakeDescriptor: Int32
    private let pending = Mutex<(commands: [Command], accepting: Bool)>(([], true))
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    /// Posted messages libzmq refused (peer gone, high-water mark reached).
    private let failedPostCount = Atomic<Int>(0)

    // Touched only by the loop thread.
    private var sockets: [Int: Entry] = [:]
    private var nextID = 0

    /// Whether the loop terminates its context when it stops.
    private let terminatesContext: Bool

    /// Creates the loop and starts its thread. With `terminatesContext`, ``stop(linger:)`` returns only once the
    /// context has flushed what the closed sockets still held (use it when the loop owns the context).
    public init(context: Context, name: String = "zmq-loop", terminatesContext: Bool = false) throws(ZMQError) {
        self.context = context
        self.name = name
        self.terminatesContext = terminatesContext
        let descriptor = kaoping_eventfd_open()
        guard descriptor >= 0 else { throw ZMQError(operation: "eventfd", errno: errno) }
        wakeDescriptor = descriptor
        Thread { [self] in run() }.start()
    }

    deinit {
        kaoping_eventfd_close(wakeDescriptor)
    }

    /// Messages given to ``post(_:on:)`` that libzmq refused (the peer was gone, or its high-water mark reached).
    public var failedPosts: Int { failedPostCount.load(ordering: .relaxed) }

    // MARK: - API for any task

    /// Creates a socket on the loop thread, sets `options`, binds and connects it. At most `inboundLimit` received
    /// messages wait for their consumer; beyond that the loop stops reading the socket until the consumer catches up.
    public func open(
        _ type: SocketType, options: [SocketOption] = [], bind: [String] = [], connect: [String] = [],
        inboundLimit: Int = 10_000
    ) async throws -> Opened {
        try await withCheckedThrowingContinuation { continuation in
            submit(.open(type, options, bind: bind, connect: connect, inboundLimit: inboundLimit, continuation)) {
                continuation.resume(throwing: ZMQError(operation: "open", errno: ETERM, detail: "loop stopped"))
            }
        }
    }

    /// Sends a message and returns once libzmq has queued it; throws when it cannot (``ZMQError/wouldBlock``,
    /// ``ZMQError/hostUnreachable``).
    public func send(_ message: Multipart, on handle: Handle) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            submit(.send(handle, message, continuation)) {
                continuation.resume(throwing: ZMQError(operation: "zmq_send", errno: ETERM, detail: "loop stopped"))
            }
        }
    }

    /// Queues a message and does not wait; a failure is dropped (for PUB fan-out, where dropping is the norm).
    public func post(_ message: Multipart, on handle: Handle) {
        submit(.send(handle, message, nil)) {}
    }

    /// Queues messages in order and does not wait; a failure is dropped, as with ``post(_:on:)``. The loop is woken
    /// once for all of them: posted one at a time from a busy thread, it would be woken, and the poster preempted,
    /// for nearly every message (a batch of receipts).
    public func post(contentsOf messages: [Multipart], on handle: Handle) {
        submit(messages.map { .send(handle, $0, nil) }) {}
    }

    /// Closes one socket, keeping unsent messages for `linger` milliseconds.
    public func close(_ handle: Handle, linger: Int32 = 0) {
        submit(.close(handle, linger: linger)) {}
    }

    /// Closes every socket (with `linger` milliseconds for unsent messages) and ends the thread; returns when done.
    public func stop(linger: Int32 = 100) async {
        submit(.stop(linger: linger)) {}
        await withCheckedContinuation { continuation in
            let alreadyDone = finished.withLock { state in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadyDone { continuation.resume() }
        }
    }

    private func submit(_ command: Command, otherwise refuse: () -> Void) {
        submit([command], otherwise: refuse)
    }

    private func submit(_ commands: [Command], otherwise refuse: () -> Void) {
        // The loop takes every pending command at once, under the same lock: only the first of a run of commands
        // needs to wake it (one syscall per loop round rather than per message).
        let (accepted, wake) = pending.withLock { state -> (Bool, Bool) in
            guard state.accepting else { return (false, false) }
            guard !commands.isEmpty else { return (true, false) }
            let wasEmpty = state.commands.isEmpty
            state.commands += commands
            if commands.contains(where: { if case .stop = $0 { true } else { false } }) { state.accepting = false }
            return (true, wasEmpty)
        }
        if !accepted { refuse() } else if wake { kaoping_eventfd_signal(wakeDescriptor) }
    }

    // MARK: - The loop thread

    private func run() {
        // Foundation on Linux does not pass a `Thread`'s name on to the system; named here, the loop shows as such
        // in `top -H`, `perf` and `gdb`.
        kaoping_thread_set_name(name)
        var stopping: Int32?
        while stopping == nil {
            let commands = pending.withLock { state in
                let taken = state.commands
                state.commands.removeAll(keepingCapacity: true)
                return taken
            }
            for command in commands {
                if case .stop(let linger) = command {
                    stopping = linger
                    continue
                }
                execute(command)
            }
            if stopping != nil { break }
            poll()
        }
        for (_, entry) in sockets {
            entry.socket.close(linger: stopping ?? 0)
            entry.inbound.finish()
        }
        sockets.removeAll()
        if terminatesContext { context.terminate() }
        let waiters = finished.withLock { state in
            state.done = true
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func execute(_ command: Command) {
        switch command {
        case .open(let type, let options, let binds, let connects, let limit, let continuation):
            do {
                let socket = try Socket(context: context, type: type)
                var endpoints: [String] = []
                do {
                    for option in options { try socket.set(option) }
                    for endpoint in binds {
                        try socket.bind(endpoint)
                        endpoints.append(socket.lastEndpoint)
                    }
                    for endpoint in connects { try socket.connect(endpoint) }
                } catch {
                    socket.close(linger: 0)
                    throw error
                }
                let receives = type != .pub
                let wake = wakeDescriptor
                let inbound = Inbound(capacity: limit) { kaoping_eventfd_signal(wake) }
                if !receives { inbound.finish() }
                nextID += 1
                let handle = Handle(id: nextID)
                sockets[handle.id] = Entry(socket: socket, inbound: inbound, receives: receives)
                continuation.resume(returning: Opened(handle: handle, incoming: inbound, endpoints: endpoints))
            } catch {
                continuation.resume(throwing: error)
            }
        case .send(let handle, let message, let continuation):
            guard let entry = sockets[handle.id] else {
                continuation?.resume(
                    throwing: ZMQError(operation: "zmq_send", errno: ENOTSOCK, detail: "socket closed"))
                return
            }
            do {
                try entry.socket.send(message)
                continuation?.resume()
            } catch {
                if continuation == nil { failedPostCount.add(1, ordering: .relaxed) }
                continuation?.resume(throwing: error)
            }
        case .close(let handle, let linger):
            if let entry = sockets.removeValue(forKey: handle.id) {
                entry.socket.close(linger: linger)
                entry.inbound.finish()
            }
        case .stop:
            break
        }
    }

    /// Waits for inbound messages or a wake-up, then drains what is readable (a bounded batch per socket, so
    /// that one busy socket cannot starve the others or the command queue). A socket whose consumer is behind is
    /// not read until it catches up.
    private func poll() {
        let receiving = sockets.filter { $0.value.receives && !$0.value.inbound.isFull }.sorted { $0.key < $1.key }
        var items = [zmq_pollitem_t(socket: nil, fd: wakeDescriptor, events: Int16(ZMQ_POLLIN), revents: 0)]
        items += receiving.map {
            zmq_pollitem_t(socket: $0.value.socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        }
        let ready = zmq_poll(&items, Int32(items.count), -1)
        guard ready > 0 else { return }
        if items[0].revents != 0 { kaoping_eventfd_drain(wakeDescriptor) }
        for (index, (_, entry)) in receiving.enumerated() where items[index + 1].revents != 0 {
            for _ in 0..<256 {
                guard !entry.inbound.isFull, let message = try? entry.socket.receive() else { break }
                entry.inbound.push(message)
            }
        }
    }
}
