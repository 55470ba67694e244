import ServiceLifecycle

/// Runs the ledger keeper over the work queue until graceful shutdown, then finishes the work in hand.
struct KeeperService: Service {
    let keeper: LedgerKeeper
    let queue: WorkQueue
    let maximumBatch: Int

    func run() async {
        await withGracefulShutdownHandler {
            while let batch = await queue.nextBatch(maximum: maximumBatch) {
                await keeper.process(batch)
            }
        } onGracefulShutdown: {
            queue.finish()
        }
    }
}
