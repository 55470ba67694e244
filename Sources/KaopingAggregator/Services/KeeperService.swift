import ServiceLifecycle

/// Runs the ledger keeper over the work queue until graceful shutdown, then finishes the work in hand.
///
/// Two batches are in hand at a time: while one is written and synced to disk, the signatures of the next (what
/// arrived meanwhile) are verified on all cores, so that the fsync does not leave the cores idle.
struct KeeperService: Service {
    let keeper: LedgerKeeper
    let queue: WorkQueue
    let maximumBatch: Int

    func run() async {
        await withGracefulShutdownHandler {
            var next = await queue.nextBatch(maximum: maximumBatch)
            var checked = await next.asyncMap(keeper.precheck) ?? [:]
            while let batch = next {
                let (queue, keeper, maximumBatch) = (queue, keeper, maximumBatch)
                let lookahead = await keeper.process(batch, checked: checked) {
                    let more = queue.available(maximum: maximumBatch)
                    return more.isEmpty ? nil : (more, await keeper.precheck(more))
                }
                if let lookahead {
                    (next, checked) = (lookahead.0, lookahead.1)
                } else {
                    next = await queue.nextBatch(maximum: maximumBatch)
                    checked = await next.asyncMap(keeper.precheck) ?? [:]
                }
            }
        } onGracefulShutdown: {
            queue.finish()
        }
    }
}

extension Optional {
    fileprivate func asyncMap<Mapped>(_ transform: (Wrapped) async -> Mapped) async -> Mapped? {
        guard let self else { return nil }
        return await transform(self)
    }
}
