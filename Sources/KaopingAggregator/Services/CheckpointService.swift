import KaopingStore
import Logging
import ServiceLifecycle

/// Checkpoints the store's WAL every `interval` from its own connection, so that commits never stop to do it (a
/// checkpoint of a busy store copies megabytes and syncs the database file: milliseconds every receipt in flight
/// would wait for).
struct CheckpointService: Service {
    let store: AggregatorStore
    let interval: Duration
    let logger: Logger

    func run() async {
        while !Task.isCancelledOrShuttingDown {
            do {
                try await store.checkpoint()
            } catch {
                // The writer checkpoints by itself past its backstop; nothing is lost, only a commit may wait.
                logger.warning("WAL checkpoint failed: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    fileprivate static var isCancelledOrShuttingDown: Bool { isCancelled || isShuttingDownGracefully }
}
