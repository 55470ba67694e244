import ServiceLifecycle

/// Runs the ledger keeper over the work queue until graceful shutdown, then finishes the work in hand. Fails when the
/// store is lost (``LedgerKeeper/StoreLost``), which stops the daemon: the supervisor restarts it.
struct KeeperService: Service {
    let keeper: LedgerKeeper
    let queue: WorkQueue
    let maximumBatch: Int

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await queue.drain(maximum: maximumBatch) { batch in
                try await keeper.process(batch)
            }
        } onGracefulShutdown: {
            queue.finish()
        }
    }
}
