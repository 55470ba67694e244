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

/// Has the keeper publish the feedback counts every `interval` when the day changed them: findings fall overdue as
/// days pass, with no message arriving.
struct FeedbackDayService: Service {
    let keeper: LedgerKeeper
    var interval: Duration = .seconds(60)

    func run() async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await keeper.publishFeedbackCountsIfChanged()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
