import ZeroMQ

/// Where the ledger keeper's answers go: in the daemon, the ingest and control ROUTER sockets of the loop.
struct ReplySink: Sendable {
    /// A batch's receipts, in order: handed over at once so that the loop is woken once for them.
    let ingest: @Sendable ([Multipart]) -> Void
    let control: @Sendable (Multipart) -> Void

    /// Routes receipts and control replies to their peers; a peer that has gone is skipped (ROUTER_MANDATORY reports
    /// it, and an agent gets the same receipt again when it resends).
    init(loop: SocketLoop, ingestSocket: SocketLoop.Handle, controlSocket: SocketLoop.Handle) {
        ingest = { loop.post(contentsOf: $0, on: ingestSocket) }
        control = { loop.post($0, on: controlSocket) }
    }

    init(ingest: @escaping @Sendable ([Multipart]) -> Void, control: @escaping @Sendable (Multipart) -> Void) {
        self.ingest = ingest
        self.control = control
    }
}
