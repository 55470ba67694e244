import Foundation
import KaopingCore
import KaopingWire
import SwiftProtobuf
import ZeroMQ

/// A blocking client of the control endpoint: status, reopen, key revocation and keyring reload.
public final class ControlClient {
    public let campaign: String
    private let endpoint: String
    private let socket: Socket
    private let handshakes: HandshakeMonitor
    private let encrypted: Bool
    private let aggregatorKey: Keyring.Entry?
    /// What a request's signing time is read from.
    private let clock: any WallClock

    /// `aggregatorKey` verifies replies; without it replies are read unverified (status only).
    public init(
        endpoint: String, campaign: String, aggregatorKey: Keyring.Entry?, context: Context, curve: CurveClient? = nil,
        clock: any WallClock = SystemClock()
    ) throws {
        self.campaign = campaign
        self.aggregatorKey = aggregatorKey
        self.clock = clock
        self.endpoint = endpoint
        encrypted = curve != nil
        (socket, handshakes) = try Socket.watchedDealer(context: context, connectedTo: endpoint, curve: curve)
    }

    deinit {
        socket.close(linger: 0)
    }

    /// Sends `request` (signed by `operatorIdentity` unless nil) and waits for the reply; throws ``HandshakeRefused``
    /// as soon as the aggregator refuses the connection.
    public func call(
        _ request: Kaoping_V1_ControlRequest, signedBy operatorIdentity: SigningIdentity?, timeout: Int32 = 10_000
    ) throws -> Kaoping_V1_ControlReply {
        var request = request
        if request.requestID.isEmpty { request.requestID = UUID().uuidString }
        if request.signedAtMs == 0 { request.signedAtMs = clock.now.milliseconds }
        let envelope: Data
        if let operatorIdentity {
            envelope = try SignedEnvelope.seal(request, type: .control, campaign: campaign, by: operatorIdentity)
        } else {
            var unsigned = Kaoping_V1_Envelope()
            unsigned.version = SignedEnvelope.protocolVersion
            unsigned.type = MessageType.control.rawValue
            unsigned.campaign = campaign
            unsigned.payload = try request.serializedBytes()
            envelope = try unsigned.serializedBytes()
        }
        return try exchange(envelope, timeout: timeout) { body in
            let reply = try open(body)
            return reply.requestID == request.requestID ? reply : nil
        }
    }

    /// Asks for findings (`query` signed by `identity`: a viewer's or the operator's key lists them all) and waits
    /// for the aggregator's signed list; a refusal comes back as the list's `error`.
    public func feedback(
        _ query: Kaoping_V1_FeedbackQuery, signedBy identity: SigningIdentity, timeout: Int32 = 10_000
    ) throws -> Kaoping_V1_FeedbackList {
        var query = query
        if query.signedAtMs == 0 { query.signedAtMs = clock.now.milliseconds }
        let envelope = try SignedEnvelope.seal(query, type: .feedbackQuery, campaign: campaign, by: identity)
        let hash = envelope.sha256
        return try exchange(envelope, timeout: timeout) { body in
            let envelope = try verified(body)
            if envelope.type == MessageType.controlReply.rawValue {
                let reply = try Kaoping_V1_ControlReply(serializedBytes: envelope.payload)
                if !reply.ok { throw WireError(reply.error) }
                return nil
            }
            guard envelope.type == MessageType.feedbackList.rawValue else { return nil }
            let list = try Kaoping_V1_FeedbackList(serializedBytes: envelope.payload)
            return list.queryHash == hash ? list : nil
        }
    }

    /// Sends `envelope` and reads answers until `answer` makes one of them its result, or `timeout` (ms) passes.
    private func exchange<Result>(_ envelope: Data, timeout: Int32, answer: (Data) throws -> Result?) throws -> Result {
        try socket.send(Multipart([envelope]), timeout: timeout)
        let deadline = ContinuousClock.now + .milliseconds(timeout)
        while true {
            if let failure = handshakes.failure() {
                throw HandshakeRefused(endpoint: endpoint, failure: failure, encrypted: encrypted)
            }
            let remaining = Int32(max(0, (deadline - ContinuousClock.now) / .milliseconds(1)))
            guard remaining > 0 else {
                if let failure = handshakes.failure(patience: .zero) {
                    throw HandshakeRefused(endpoint: endpoint, failure: failure, encrypted: encrypted)
                }
                throw WireError(
                    "no answer from the control endpoint within \(timeout / 1000) s; is the aggregator running?")
            }
            // In slices, to see a refused handshake soon.
            guard let message = try socket.receive(timeout: min(remaining, 100)), let body = message.frames.last
            else { continue }
            if let result = try answer(body) { return result }
        }
    }

    private func open(_ bytes: Data) throws -> Kaoping_V1_ControlReply {
        try Kaoping_V1_ControlReply(serializedBytes: try verified(bytes).payload)
    }

    /// An answer's envelope, its signature checked when the aggregator's key is known.
    private func verified(_ bytes: Data) throws -> Kaoping_V1_Envelope {
        let envelope = try SignedEnvelope.decode(bytes, limit: SignedEnvelope.maximumControlReplyBytes)
        if let aggregatorKey {
            guard envelope.keyID == aggregatorKey.keyID.rawValue,
                SignedEnvelope.verify(envelope, with: aggregatorKey)
            else { throw WireError("the reply is not signed by the aggregator's key; do not trust it") }
        }
        return envelope
    }
}
