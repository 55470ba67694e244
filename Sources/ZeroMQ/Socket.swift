import CZeroMQ
import Foundation
import Synchronization

/// A libzmq context: the owner of I/O threads and sockets.
///
/// `@unchecked Sendable`: libzmq documents contexts as thread-safe; the handle is immutable after `init`.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let terminated = Mutex(false)

    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw .last("zmq_ctx_new") }
        zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
        self.handle = handle
    }

    /// Waits until every closed socket has sent what it holds (up to its linger), then frees the context. Call it
    /// after closing every socket and before the process exits: messages still queued in libzmq's I/O thread are
    /// lost otherwise. Blocking; idempotent.
    public func terminate() {
        let first = terminated.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        while zmq_ctx_term(handle) != 0, kaoping_zmq_errno() == EINTR {}
    }

    deinit {
        terminate()
    }
}

/// The ZeroMQ socket types Kaoping uses.
public enum SocketType: Sendable {
    case req, rep, dealer, router, pub, sub, pair

    var raw: Int32 {
        switch self {
        case .req: return ZMQ_REQ
        case .rep: return ZMQ_REP
        case .dealer: return ZMQ_DEALER
        case .router: return ZMQ_ROUTER
        case .pub: return ZMQ_PUB
        case .sub: return ZMQ_SUB
        case .pair: return ZMQ_PAIR
        }
    }
}

/// A socket option, set deliberately before bind or connect.
public enum SocketOption: Sendable, Equatable {
    /// Milliseconds to keep unsent messages after close.
    case linger(Int32)
    case sendHighWaterMark(Int32)
    case receiveHighWaterMark(Int32)
    /// Larger inbound messages are refused by libzmq and the peer disconnected.
    case maxMessageSize(Int64)
    /// ROUTER: a send to an unknown peer fails with `EHOSTUNREACH` instead of vanishing.
    case routerMandatory
    /// Queue only to completed connections, so a send with no peer fails at once with `EAGAIN`.
    case immediate
    /// ZMTP heartbeats: interval, timeout and the time-to-live asked of the peer, in milliseconds.
    case heartbeat(interval: Int32, timeout: Int32, ttl: Int32)
    case routingID(Data)
    case subscribe(Data)
    case reconnectInterval(milliseconds: Int32, maximum: Int32)
    /// CURVE server: this socket's secret key (32 bytes); clients must know its public key.
    case curveServer(secretKey: Data)
    /// CURVE client: the server's public key and this client's key pair (32 bytes each).
    case curveClient(serverKey: Data, publicKey: Data, secretKey: Data)
    /// The ZAP domain this socket authenticates in.
    case zapDomain(String)
    /// Reports this socket's failed handshakes on a PAIR bound at the inproc `endpoint` (``HandshakeFailure``).
    case monitorHandshakes(endpoint: String)
}

/// One libzmq socket. Not thread-safe, like libzmq sockets: one thread uses it (see ``SocketLoop``).
public final class Socket {
    let handle: UnsafeMutableRawPointer
    public let type: SocketType
    /// Whether ``close(linger:)`` was called: the handle must not be used after it.
    private(set) var closed = false
    /// Kept alive as long as the socket: terminating a context waits for its sockets to close, so a context
    /// released before its socket (Swift may end a local's lifetime at its last use) would block for ever.
    private let context: Context

    public init(context: Context, type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.raw) else { throw .last("zmq_socket") }
        self.handle = handle
        self.type = type
        self.context = context
    }

    deinit {
        close(linger: 0)
    }

    // MARK: Options

    public func set(_ option: SocketOption) throws(ZMQError) {
        switch option {
        case .linger(let value): try set(ZMQ_LINGER, int: value)
        case .sendHighWaterMark(let value): try set(ZMQ_SNDHWM, int: value)
        case .receiveHighWaterMark(let value): try set(ZMQ_RCVHWM, int: value)
        case .maxMessageSize(let value): try set(ZMQ_MAXMSGSIZE, int64: value)
        case .routerMandatory: try set(ZMQ_ROUTER_MANDATORY, int: 1)
        case .immediate: try set(ZMQ_IMMEDIATE, int: 1)
        case .heartbeat(let interval, let timeout, let ttl):
            try set(ZMQ_HEARTBEAT_IVL, int: interval)
            try set(ZMQ_HEARTBEAT_TIMEOUT, int: timeout)
            try set(ZMQ_HEARTBEAT_TTL, int: ttl)
        case .routingID(let id): try set(ZMQ_ROUTING_ID, bytes: id)
        case .subscribe(let prefix): try set(ZMQ_SUBSCRIBE, bytes: prefix)
        case .reconnectInterval(let milliseconds, let maximum):
            try set(ZMQ_RECONNECT_IVL, int: milliseconds)
            try set(ZMQ_RECONNECT_IVL_MAX, int: maximum)
        case .curveServer(let secretKey):
            try set(ZMQ_CURVE_SERVER, int: 1)
            try set(ZMQ_CURVE_SECRETKEY, bytes: secretKey)
        case .curveClient(let serverKey, let publicKey, let secretKey):
            try set(ZMQ_CURVE_SERVERKEY, bytes: serverKey)
            try set(ZMQ_CURVE_PUBLICKEY, bytes: publicKey)
            try set(ZMQ_CURVE_SECRETKEY, bytes: secretKey)
        case .zapDomain(let domain): try set(ZMQ_ZAP_DOMAIN, bytes: Data(domain.utf8))
        case .monitorHandshakes(let endpoint):
            let events = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            guard zmq_socket_monitor(handle, endpoint, events) == 0 else { throw .last("zmq_socket_monitor", endpoint) }
        }
    }

    private func set(_ option: Int32, int value: Int32) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw .last("zmq_setsockopt", "option \(option)")
        }
    }

    private func set(_ option: Int32, int64 value: Int64) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw .last("zmq_setsockopt", "option \(option)")
        }
    }

    private func set(_ option: Int32, bytes: Data) throws(ZMQError) {
        let status = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard status == 0 else { throw .last("zmq_setsockopt", "option \(option)") }
    }

    /// The endpoint last bound, with the port the system chose for `tcp://127.0.0.1:*`.
    public var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw .last("zmq_bind", endpoint) }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw .last("zmq_connect", endpoint) }
    }

    // MARK: Messages

    /// Sends all frames without blocking; throws `EAGAIN` (``ZMQError/wouldBlock``) when libzmq cannot queue it.
    public func send(_ message: Multipart) throws(ZMQError) {
        for (index, frame) in message.frames.enumerated() {
            let more = index < message.frames.count - 1
            let flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)
            let sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if sent < 0 {
                // libzmq sends multipart messages atomically: a failed first frame queued nothing.
                throw .last("zmq_send")
            }
        }
    }

    /// Waits up to `timeout` milliseconds until the message can be queued (a peer is connected and below its
    /// high-water mark), then sends it; throws `EAGAIN` when it still cannot. For simple clients and tests.
    public func send(_ message: Multipart, timeout: Int32) throws(ZMQError) {
        // A message that can be queued now needs no poll (a system call): senders keep hundreds in flight.
        do {
            return try send(message)
        } catch {
            guard error.wouldBlock else { throw error }
        }
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLOUT), revents: 0)
        guard zmq_poll(&item, 1, Int(timeout)) >= 0 else { throw .last("zmq_poll") }
        try send(message)
    }

    /// The next whole message, or `nil` when none is waiting.
    public func receive() throws(ZMQError) -> Multipart? {
        var frames: [Data] = []
        var userID: String?
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            let size = zmq_msg_recv(&message, handle, frames.isEmpty ? ZMQ_DONTWAIT : 0)
            if size < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.wouldBlock, frames.isEmpty { return nil }
                throw error
            }
            // A ROUTER's routing-id frame is made locally and carries no metadata: ask each frame until one has it.
            if userID == nil, let property = zmq_msg_gets(&message, "User-Id") {
                userID = String(cString: property)
            }
            frames.append(Data(bytes: zmq_msg_data(&message), count: Int(size)))
            if zmq_msg_more(&message) == 0 { return Multipart(frames, userID: userID) }
        }
    }

    /// Waits up to `timeout` milliseconds (-1: forever) for a message; for simple clients and tests.
    public func receive(timeout: Int32) throws(ZMQError) -> Multipart? {
        // A message already queued needs no poll (a system call): receipts come in bursts of hundreds.
        if let message = try receive() { return message }
        try Self.waitForMessage(on: [self], timeout: timeout)
        return try receive()
    }

    /// Waits up to `timeout` milliseconds (-1: forever) until one of `sockets` has a message to receive; for a client
    /// thread that owns several sockets.
    public static func waitForMessage(on sockets: [Socket], timeout: Int32) throws(ZMQError) {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        guard zmq_poll(&items, Int32(items.count), Int(timeout)) >= 0 else { throw .last("zmq_poll") }
    }

    /// Closes the socket; unsent messages are kept for `linger` milliseconds.
    public func close(linger: Int32) {
        guard !closed else { return }
        closed = true
        var value = linger
        zmq_setsockopt(handle, ZMQ_LINGER, &value, MemoryLayout<Int32>.size)
        zmq_close(handle)
    }
}
