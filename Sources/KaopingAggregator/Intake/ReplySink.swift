import ZeroMQ

/// Where the ledger keeper's answers go: the ingest and control ROUTER sockets of the loop.
struct ReplySink: Sendable {
    let loop: SocketLoop
    let ingestSocket: SocketLoop.Handle
    let controlSocket: SocketLoop.Handle

    /// Routes a receipt to its peer; a peer that has gone is skipped (ROUTER_MANDATORY reports it, and the agent
    /// gets the same receipt again when it resends).
    func ingest(_ message: Multipart) {
        loop.post(message, on: ingestSocket)
    }

    func control(_ message: Multipart) {
        loop.post(message, on: controlSocket)
    }
}
