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
