import Foundation
@testable import KaopingClient
import KaopingCore
import KaopingWire
import ZeroMQ

/// The tests' blocking DEALER client of the ingest endpoint: sends signed submissions and waits for verified
/// receipts. One thread uses it at a time (it owns a libzmq socket).
final class IngestClient {
    let campaign: String
    private let socket: Socket
    private let aggregatorKey: Keyring.Entry

    /// `curve` encrypts the connection (the aggregator runs with CURVE on).
    init(
        endpoint: String, aggregatorKey: Keyring.Entry, campaign: String, context: Context, curve: CurveClient? = nil
    ) throws {
        self.campaign = campaign
        self.aggregatorKey = aggregatorKey
        socket = try Socket.dealer(context: context, connectedTo: endpoint, curve: curve)
    }

    deinit {
        socket.close(linger: 0)
    }

    /// Sends raw frames (for tests of what the aggregator refuses).
    func sendRaw(_ frames: [Data]) throws {
        try socket.send(Multipart(frames), timeout: 5_000)
    }

    /// Signs `submission` as `identity` and returns the envelope bytes, as an agent stores them in its outbox.
    static func seal(_ submission: Submission, as identity: SigningIdentity, signedAt: Timestamp) throws -> Data {
        try SignedEnvelope.seal(
            submission.wire(signedAt: signedAt), type: .submission, campaign: submission.campaign, by: identity)
    }

    /// Sends an envelope and waits up to `timeout` milliseconds for the receipt that answers it (matched by
    /// envelope hash); other receipts that arrive meanwhile are dropped.
    func deliver(_ envelope: Data, timeout: Int32 = 5_000) throws -> VerifiedReceipt? {
        try socket.send(Multipart([envelope]), timeout: timeout)
        let wanted = envelope.sha256
        let deadline = Date().addingTimeInterval(Double(timeout) / 1000)
        while true {
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard let message = try socket.receive(timeout: remaining) else { return nil }
            guard let body = message.frames.last else { continue }
            let receipt = try ReceiptCheck.open(body, aggregatorKey: aggregatorKey, campaign: campaign)
            if receipt.receipt.envelopeHash == wanted { return receipt }
        }
    }

    /// Waits for any receipt (verified).
    func receive(timeout: Int32) throws -> VerifiedReceipt? {
        guard let message = try socket.receive(timeout: timeout), let body = message.frames.last else { return nil }
        return try ReceiptCheck.open(body, aggregatorKey: aggregatorKey, campaign: campaign)
    }
}
