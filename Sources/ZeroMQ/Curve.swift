import CZeroMQ
import Foundation

/// A CURVE key pair (Curve25519, 32 bytes each) for encrypted and authenticated ZeroMQ connections.
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: Data
    public let secretKey: Data

    public init(publicKey: Data, secretKey: Data) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A new random pair from libzmq (libsodium).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else { throw .last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: try z85Decode(publicText), secretKey: try z85Decode(secretText))
    }

    private static func z85Decode(_ text: [CChar]) throws(ZMQError) -> Data {
        var bytes = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&bytes, text) != nil else { throw ZMQError(operation: "zmq_z85_decode", errno: EINVAL) }
        return Data(bytes)
    }
}

/// How a client socket authenticates to a CURVE server.
public struct CurveClient: Sendable, Equatable {
    /// The server's public key.
    public let serverKey: Data
    /// This client's key pair; the server's ZAP handler decides whether its public key is admitted.
    public let keys: CurveKeyPair

    public init(serverKey: Data, keys: CurveKeyPair) {
        self.serverKey = serverKey
        self.keys = keys
    }

    /// The socket option that makes a socket this CURVE client.
    public var option: SocketOption {
        .curveClient(serverKey: serverKey, publicKey: keys.publicKey, secretKey: keys.secretKey)
    }
}
