import Foundation
import KaopingCore
import KaopingWire
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// Reads the ingest ROUTER and queues each well-framed message for the ledger keeper. On graceful shutdown it
/// stops taking new work; the socket stays open so that what is in hand is still answered.
struct IngestService: Service {
    let incoming: Inbound
    let queue: WorkQueue
    let maximumMessageBytes: Int
    let counters: IntakeCounters
    let logger: Logger
    let route: @Sendable (RoutedRequest) -> Work

    func run() async {
        for await message in incoming.cancelOnGracefulShutdown() {
            guard message.byteCount <= maximumMessageBytes, let request = RoutedRequest(message) else {
                counters.malformed.add(1, ordering: .relaxed)
                logger.debug("dropped a malformed message", metadata: ["message.frames": "\(message.frames.count)"])
                continue
            }
            queue.enqueue(route(request))
        }
    }
}

/// Counts of what the endpoints refused before decoding, for status and tests.
final class IntakeCounters: Sendable {
    let malformed = Atomic<Int>(0)
}

/// Runs the ledger keeper over the work queue until graceful shutdown, then finishes the work in hand.
struct KeeperService: Service {
    let keeper: LedgerKeeper
    let queue: WorkQueue
    let maximumBatch: Int

    func run() async {
        await withGracefulShutdownHandler {
            await queue.drain(maximum: maximumBatch) { batch in
                await keeper.process(batch)
            }
        } onGracefulShutdown: {
            queue.finish()
        }
        await keeper.finishPublishing()
    }
}

/// Computes the ranking after committed batches and publishes it: the standings of a city take tens of
/// milliseconds, so they are kept off the commit path, and batches committed meanwhile are folded into the next.
struct RankingService: Service {
    let updates: AsyncStream<(Scoreboard, Int)>
    let published: PublishedState
    /// The least time between two rankings: a change after a quiet spell is published at once, a stream of
    /// changes at most this often (a city's ranking costs tens of milliseconds of a core).
    let minimumInterval: Duration

    func run() async {
        for await (scoreboard, position) in updates {
            published.publish(Self.ranking(of: scoreboard, ledgerPosition: position))
            try? await Task.sleep(for: minimumInterval)
        }
    }

    static func ranking(of scoreboard: Scoreboard, ledgerPosition: Int) -> Kaoping_V1_Ranking {
        Kaoping_V1_Ranking(
            scoreboard.standings(), ledgerPosition: ledgerPosition,
            updatedAt: Int64(Date().timeIntervalSince1970 * 1000))
    }
}
