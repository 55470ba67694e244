import Foundation
import KaopingWire
import ZeroMQ

/// The agent's one connection to the aggregator's ingest endpoint: a DEALER socket on a loop thread of its own
/// (libzmq sockets are not thread-safe), what arrives on it, and how messages leave.
struct DeliveryLink: Sendable {
    private let loop: SocketLoop
    private let dealer: SocketLoop.Opened
    private let monitor: SocketLoop.Opened

    /// Connects to the aggregator of `agent`'s configuration (encrypted when it names the aggregator's CURVE key).
    /// The connection is made in the background: sends wait for it, and are retried by the outbox if it never comes.
    static func open(for agent: Agent) async throws -> DeliveryLink {
        let loop = try SocketLoop(context: try Context(), name: "agent-zmq", terminatesContext: true)
        let handshakes = HandshakeFailure.monitorEndpoint()
        let dealer = try await loop.open(
            .dealer,
            options: [
                .immediate, .linger(0), .reconnectInterval(milliseconds: 200, maximum: 5_000),
                .heartbeat(interval: 5_000, timeout: 15_000, ttl: 30_000), .maxMessageSize(1 << 20),
                .monitorHandshakes(endpoint: handshakes),
            ] + (agent.curve.map { [$0.option] } ?? []),
            connect: [agent.configuration.aggregator])
        let monitor = try await loop.open(.pair, options: [.linger(0)], connect: [handshakes])
        return DeliveryLink(loop: loop, dealer: dealer, monitor: monitor)
    }

    /// Why the aggregator closed the connection during a handshake, each time it does (it is tried again).
    var handshakeFailures: some AsyncSequence<HandshakeFailure, Never> {
        monitor.incoming.compactMap { HandshakeFailure(monitorEvent: $0) }
    }

    /// The aggregator's answers, in the order they arrive; ends when the link closes or the reading task is cancelled.
    var answers: Inbound { dealer.incoming }

    /// Sends one message, waiting while libzmq has no connection to queue it on; throws when it cannot be sent.
    func send(_ body: Data) async throws {
        try await loop.send(Multipart([body]), on: dealer.handle)
    }

    /// Queues one message without waiting (a heartbeat: the next one replaces a lost one).
    func post(_ body: Data) {
        loop.post(Multipart([body]), on: dealer.handle)
    }

    /// Closes the socket, dropping what is unsent (the outbox still holds it), and stops the loop thread.
    func close() async {
        await loop.stop(linger: 0)
    }
}
