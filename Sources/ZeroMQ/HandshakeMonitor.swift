import CZeroMQ
import Foundation
import Synchronization

/// Why a connection's handshake failed, as libzmq reports it to a socket monitor: the one thing a client can learn
/// when a server closes the connection without a word.
public enum HandshakeFailure: Sendable, Equatable {
    /// The two ends use different security mechanisms: one encrypts with CURVE and the other does not.
    case mechanismMismatch
    /// The server's authentication (ZAP) refused this client's key; `status` is ZAP's code (400: not admitted).
    case refused(status: UInt32)
    /// Any other protocol failure, with libzmq's code.
    case other(code: UInt32)
}

/// Watches one client socket's handshakes through libzmq's socket monitor (`zmq_socket_monitor`, an inproc PAIR).
/// Used from the thread that uses the socket, like the socket itself.
public final class HandshakeMonitor {
    private let events: Socket
    private let watched: Socket

    private static let counter = Atomic(0)

    /// Starts watching `socket` (before it connects, so that no handshake is missed).
    public init(watching socket: Socket, context: Context) throws(ZMQError) {
        let endpoint = "inproc://kaoping-handshakes-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)"
        let wanted = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        guard zmq_socket_monitor(socket.handle, endpoint, wanted) == 0 else {
            throw .last("zmq_socket_monitor", endpoint)
        }
        events = try Socket(context: context, type: .pair)
        try events.set(.linger(0))
        try events.connect(endpoint)
        watched = socket
    }

    deinit {
        zmq_socket_monitor(watched.handle, nil, 0)
        events.close(linger: 0)
    }

    /// The first handshake failure reported since the last call, if any; does not wait.
    public func failure() -> HandshakeFailure? {
        var found: HandshakeFailure?
        while let message = try? events.receive(), let head = message.frames.first, head.count >= 6 {
            let event = UInt16(head[head.startIndex]) | UInt16(head[head.startIndex + 1]) << 8
            let value = (0..<4).reduce(UInt32(0)) { $0 | UInt32(head[head.startIndex + 2 + $1]) << (8 * $1) }
            guard found == nil else { continue }
            switch Int32(event) {
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: found = .refused(status: value)
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
                found = Int32(bitPattern: value) == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                    ? .mechanismMismatch : .other(code: value)
            default: break
            }
        }
        return found
    }
}
