import Foundation
import KaopingCore
import KaopingWire
import ServiceLifecycle
import SwiftProtobuf
import ZeroMQ

/// The live feed (ZeroMQ Clone pattern): PUB frames `[topic, sequence u64 big-endian, body]`, an "update" after
/// every committed batch that changed the ranking and a "heartbeat" each second carrying the current sequence.
struct FeedService: Service {
    static let updateTopic = Data("update".utf8)
    static let heartbeatTopic = Data("heartbeat".utf8)

    let loop: SocketLoop
    let socket: SocketLoop.Handle
    let published: PublishedState
    let campaign: String
    let heartbeatInterval: Duration
    let clock: any WallClock

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await (sequence, update) in published.stream {
                        loop.post(Multipart([Self.updateTopic, Self.bigEndian(sequence), update.encoded()]), on: socket)
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
                                Multipart([Self.heartbeatTopic, Self.bigEndian(published.sequence), body]), on: socket)
                        }
                        try? await Task.sleep(for: heartbeatInterval)
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    static func bigEndian(_ value: UInt64) -> Data {
        withUnsafeBytes(of: value.bigEndian) { Data($0) }
    }
}

/// Answers late joiners on the snapshot ROUTER with the current ranking and its sequence.
struct SnapshotService: Service {
    let loop: SocketLoop
    let socket: SocketLoop.Handle
    let incoming: Inbound
    let keeper: LedgerKeeper

    func run() async {
        for await message in incoming.cancelOnGracefulShutdown() {
            guard let request = RoutedRequest(message), request.body.count <= 4096 else { continue }
            loop.post(request.reply(await keeper.snapshot()), on: socket)
        }
    }
}
