import Foundation
import KaopingWire
import ZeroMQ

extension CurveClient {
    /// A CURVE client connecting to `serverKey` with the transport keys of a key file.
    public init(serverKey: Data, transport: TransportKeys) {
        self.init(serverKey: serverKey, keys: CurveKeyPair(publicKey: transport.publicKey, secretKey: transport.secretKey))
    }
}
