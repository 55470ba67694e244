import CZeroMQ

/// A libzmq call that failed: which call, the errno it set and libzmq's words for it.
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The libzmq function, such as `zmq_bind`.
    public let operation: String
    public let errno: Int32
    /// Extra context, such as the endpoint.
    public let detail: String

    public init(operation: String, errno: Int32, detail: String = "") {
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    /// The error of the last libzmq call on this thread.
    static func last(_ operation: String, _ detail: String = "") -> ZMQError {
        ZMQError(operation: operation, errno: kaoping_zmq_errno(), detail: detail)
    }

    /// libzmq's message for ``errno``.
    public var message: String { String(cString: zmq_strerror(errno)) }

    /// The send would block: no peer is connected (with `ZMQ_IMMEDIATE`) or a high-water mark is reached.
    public var wouldBlock: Bool { errno == EAGAIN }

    /// A ROUTER with `ZMQ_ROUTER_MANDATORY` has no peer with that routing id (it disconnected).
    public var hostUnreachable: Bool { errno == EHOSTUNREACH }

    /// The context was shut down.
    public var contextTerminated: Bool { errno == ETERM }

    public var description: String {
        "\(operation)\(detail.isEmpty ? "" : " \(detail)") failed: \(message) (errno \(errno))"
    }
}
