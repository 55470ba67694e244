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
    /// The server closed the connection before saying why: one of the above, told apart (if at all) at a later
    /// attempt. libzmq reports this when the server's close wins the race with its greeting.
    case closedWithoutReason

    /// Whether the failure says why.
    public var isDetailed: Bool { self != .closedWithoutReason }
}

extension HandshakeFailure {
    /// The failure a socket monitor's event message reports, if it is one: frame 1 holds the event (16 bits) and its
    /// value (32 bits), in the machine's byte order.
    public init?(monitorEvent message: Multipart) {
        guard let head = message.frames.first, head.count >= 6 else { return nil }
        let bytes = [UInt8](head)
        let event = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        let value = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[2 + $1]) << (8 * $1) }
        switch Int32(event) {
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: self = .refused(status: value)
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: self = .closedWithoutReason
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            self = Int32(bitPattern: value) == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                ? .mechanismMismatch : .other(code: value)
        default: return nil
        }
    }

    /// A new inproc endpoint for a socket monitor.
    public static func monitorEndpoint() -> String {
        "inproc://kaoping-handshakes-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)"
    }

    private static let counter = Atomic(0)
}

/// Watches one client socket's handshakes through libzmq's socket monitor (`zmq_socket_monitor`, an inproc PAIR).
/// Used from the thread that uses the socket, like the socket itself.
public final class HandshakeMonitor {
    private let events: Socket
    private let watched: Socket

    /// Starts watching `socket` (before it connects, so that no handshake is missed).
    public init(watching socket: Socket, context: Context) throws(ZMQError) {
        let endpoint = HandshakeFailure.monitorEndpoint()
        try socket.set(.monitorHandshakes(endpoint: endpoint))
        events = try Socket(context: context, type: .pair)
        try events.set(.linger(0))
        try events.connect(endpoint)
        watched = socket
    }

    deinit {
        // A closed socket's handle is libzmq's to free: its monitor ends with it.
        if !watched.closed { zmq_socket_monitor(watched.handle, nil, 0) }
        events.close(linger: 0)
    }

    /// The handshake failure to report, if any; does not wait. One that says why is reported at once; one that does
    /// not (``HandshakeFailure/closedWithoutReason``) only once `patience` has passed since it came without a
    /// detailed one after it (libzmq tries again, and a later attempt may tell why).
    public func failure(patience: Duration = .seconds(2)) -> HandshakeFailure? {
        while let message = try? events.receive(), let failure = HandshakeFailure(monitorEvent: message) {
            if failure.isDetailed {
                detailed = detailed ?? failure
            } else {
                undetailedSince = undetailedSince ?? .now
            }
        }
        if let detailed { return detailed }
        guard let undetailedSince, ContinuousClock.now - undetailedSince >= patience else { return nil }
        return .closedWithoutReason
    }

    private var detailed: HandshakeFailure?
    private var undetailedSince: ContinuousClock.Instant?
}
