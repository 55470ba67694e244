import ServiceLifecycle

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
    }
}
