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
        let socket = try Socket(context: context, type: .dealer)
        try socket.set(.linger(0))
        if let curve { try socket.set(curve.option) }
        try socket.connect(endpoint)
        return socket
    }
}
