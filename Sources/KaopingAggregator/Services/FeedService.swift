import Foundation
import KaopingCore
import KaopingWire
import Logging
import ServiceLifecycle
import Synchronization
import SwiftProtobuf
import ZeroMQ

/// The live feed (ZeroMQ Clone pattern): PUB frames `[topic, sequence u64 big-endian, body]`, an "update" after
/// every committed batch that changed the ranking and a "heartbeat" each second carrying the current sequence.
///
/// With CURVE, a reader key that loses access (revoked, or gone from the keyring at a reload) makes the feed bind
/// anew on the same endpoint: ZAP admits a connection only at its handshake, so every subscriber must pass it again.
/// The others reconnect within a moment, see a gap in the sequence and take a snapshot, as after any gap.
struct FeedService: Service {
    static let updateTopic = Data("update".utf8)
    static let heartbeatTopic = Data("heartbeat".utf8)

    let loop: SocketLoop
    let socket: FeedSocket
    let published: PublishedState
    let campaign: String
    let heartbeatInterval: Duration
    let clock: any WallClock
    /// With CURVE: whose removal makes the feed bind anew.
    let access: TransportAccess?
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await (sequence, update) in published.stream {
                        let message = Multipart([Self.updateTopic, Self.bigEndian(sequence), update.encoded()])
                        loop.post(message, on: socket.handle)
                    }
                }
                if let access {
                    group.addTask {
                        for await _ in access.readersRemoved { await rebind() }
                    }
                }
                group.addTask {
                    var heartbeat = Kaoping_V1_FeedHeartbeat()
                    heartbeat.campaign = campaign
                    heartbeat.epoch = published.epoch
                    while !Task.isCancelled {
                        heartbeat.sentAtMs = clock.now.milliseconds
                        if let body = try? heartbeat.serializedBytes() as Data {
                            loop.post(
                                Multipart([Self.heartbeatTopic, Self.bigEndian(published.sequence), body]),
                                on: socket.handle)
                        }
                        try? await Task.sleep(for: heartbeatInterval)
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Closes the PUB socket, dropping every subscriber, and binds a new one on the same endpoint (retrying while
    /// the system still holds the address for a moment).
    private func rebind() async {
        loop.close(socket.handle, linger: 0)
        for attempt in 1...50 {
            do {
                let opened = try await loop.open(.pub, options: socket.options, bind: [socket.endpoint])
                socket.handle = opened.handle
                logger.info("feed bound anew: a reader's key lost access", metadata: ["endpoint": "\(socket.endpoint)"])
                return
            } catch {
                if attempt == 50 {
                    logger.error("cannot bind the feed again on \(socket.endpoint): \(error); restart the aggregator")
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    static func bigEndian(_ value: UInt64) -> Data {
        withUnsafeBytes(of: value.bigEndian) { Data($0) }
    }
}

/// The feed's PUB socket, which ``FeedService`` may replace, with what it takes to bind another like it.
final class FeedSocket: Sendable {
    let endpoint: String
    let options: [SocketOption]
    private let current: Mutex<SocketLoop.Handle>

    init(_ opened: SocketLoop.Opened, endpoint: String, options: [SocketOption]) {
        current = Mutex(opened.handle)
        self.endpoint = endpoint
        self.options = options
    }

    var handle: SocketLoop.Handle {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// Answers late joiners on the snapshot ROUTER with the current ranking and its sequence.
/// With CURVE, only readers whose key may still read are answered (a revoked viewer's open connection is not).
struct SnapshotService: Service {
    let loop: SocketLoop
    let socket: SocketLoop.Handle
    let incoming: Inbound
    let keeper: LedgerKeeper
    let access: TransportAccess?

    func run() async {
        for await message in incoming.cancelOnGracefulShutdown() {
            guard let request = RoutedRequest(message), request.body.count <= 4096 else { continue }
            if let access, !access.admitsReader(keyID: request.userID ?? "") { continue }
            loop.post(request.reply(await keeper.snapshot()), on: socket)
        }
    }
}
