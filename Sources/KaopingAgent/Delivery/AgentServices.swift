import ServiceLifecycle
import ZeroMQ

/// Reads the aggregator's answers and hands each to `record`, and the connection's failed handshakes to `refused`.
/// On graceful shutdown it reads on for `tail`, for the answers to the last messages sent, and then stops; on
/// cancellation it stops at once.
struct ReceiptReader: Service {
    let link: DeliveryLink
    let tail: Duration
    let record: @Sendable (Multipart) -> Void
    let refused: @Sendable (HandshakeFailure) -> Void

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in link.answers { record(message) }
            }
            group.addTask {
                for await failure in link.handshakeFailures { refused(failure) }
            }
            group.addTask {
                // Throws when cancelled first; the sleep then returns at once too.
                try? await gracefulShutdown()
                try? await Task.sleep(for: tail)
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// Does `work` every `interval` until graceful shutdown or cancellation; a shutdown interrupts the wait between
/// two runs of `work`, never `work` itself.
struct Periodic: Service {
    let interval: Duration
    let work: @Sendable () async -> Void

    init(every interval: Duration, work: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.work = work
    }

    func run() async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await work()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
