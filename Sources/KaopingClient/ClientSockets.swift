import Foundation
import KaopingWire
import ZeroMQ

extension CurveClient {
    /// A CURVE client connecting to `serverKey` with the transport keys of a key file.
    public init(serverKey: Data, transport: TransportKeys) {
        self.init(
            serverKey: serverKey, keys: CurveKeyPair(publicKey: transport.publicKey, secretKey: transport.secretKey))
    }
}

extension Socket {
    /// A DEALER connected to `endpoint`, encrypted with `curve` when given, dropping unsent messages on close: how
    /// every client of the aggregator's request endpoints starts.
    static func dealer(context: Context, connectedTo endpoint: String, curve: CurveClient?) throws -> Socket {
        let socket = try unconnectedDealer(context: context, curve: curve)
        try socket.connect(endpoint)
        return socket
    }

    private static func unconnectedDealer(context: Context, curve: CurveClient?) throws -> Socket {
        let socket = try Socket(context: context, type: .dealer)
        try socket.set(.linger(0))
        if let curve { try socket.set(curve.option) }
        return socket
    }
}

/// The aggregator closed the connection during the handshake: the two ends disagree on encryption, or it does not
/// admit this client's key. Says which, without the command-line words a caller adds.
public struct HandshakeRefused: Error, Sendable, CustomStringConvertible {
    public let endpoint: String
    public let failure: HandshakeFailure
    /// Whether this client connected with CURVE.
    public let encrypted: Bool

    public init(endpoint: String, failure: HandshakeFailure, encrypted: Bool) {
        self.endpoint = endpoint
        self.failure = failure
        self.encrypted = encrypted
    }

    public var description: String {
        switch failure {
        case .mechanismMismatch where encrypted:
            return "the aggregator at \(endpoint) does not encrypt (it runs with curve: false), but this client "
                + "connects with CURVE"
        case .mechanismMismatch:
            return "the aggregator at \(endpoint) encrypts (CURVE, its default), but this client connects in plaintext"
        case .refused:
            return "the aggregator at \(endpoint) does not admit this client's CURVE key (it is not in its keyring, "
                + "or the keyring was not reloaded since it was added)"
        case .other(let code):
            return "the aggregator at \(endpoint) closed the connection during the handshake (libzmq protocol error "
                + "0x\(String(code, radix: 16)))"
        case .closedWithoutReason:
            return "the aggregator at \(endpoint) closes the connection during the handshake: one end encrypts "
                + "(CURVE) and the other does not, or it does not admit this client's key"
        }
    }
}

extension Socket {
    /// ``dealer(context:connectedTo:curve:)`` with its handshakes watched, so that a client waiting for an answer can
    /// tell an aggregator that refused the connection from one that is not there.
    static func watchedDealer(context: Context, connectedTo endpoint: String, curve: CurveClient?) throws
        -> (Socket, HandshakeMonitor)
    {
        let socket = try unconnectedDealer(context: context, curve: curve)
        let monitor = try HandshakeMonitor(watching: socket, context: context)
        try socket.connect(endpoint)
        return (socket, monitor)
    }
}
