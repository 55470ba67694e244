import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// Reads a ROUTER (ingest or control) and queues each well-framed message for the ledger keeper, in arrival order.
/// Messages are taken as they come, up to `chunk` at a time, and turned into work by `route` — for ingest, decoding
/// and signature verification on all cores, so that the keeper finds them verified. On graceful shutdown it stops
/// taking new work; the socket stays open so that what is in hand is still answered.
struct IngestService: Service {
    let incoming: Inbound
    let queue: WorkQueue
    let maximumMessageBytes: Int
    let counters: IntakeCounters
    let logger: Logger
    var chunk = 64
    let route: @Sendable ([RoutedRequest]) async -> [Work]

    func run() async {
        await cancelWhenGracefulShutdown {
            while case let messages = await incoming.next(upTo: chunk), !messages.isEmpty {
                let requests = messages.compactMap { message -> RoutedRequest? in
                    guard message.byteCount <= maximumMessageBytes, let request = RoutedRequest(message) else {
                        counters.malformed.add(1, ordering: .relaxed)
                        logger.debug(
                            "dropped a malformed message", metadata: ["message.frames": "\(message.frames.count)"])
                        return nil
                    }
                    return request
                }
                queue.enqueue(await route(requests))
            }
        }
    }
}

/// Counts of what the endpoints refused before decoding, for status and tests.
final class IntakeCounters: Sendable {
    let malformed = Atomic<Int>(0)
}
