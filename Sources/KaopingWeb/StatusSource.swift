import Foundation
import KaopingClient
import KaopingCore
import KaopingWire
import Synchronization
import ZeroMQ

/// Who has sent what and who still owes what, from the control endpoint's status (unsigned, on the console's viewer
/// connection: docs/protocol.md §6). Asked at most every 2 seconds, whatever the number of browsers; one request at a
/// time, on a thread of its own (the client blocks on its socket).
public final class StatusSource: Sendable {
    private let connection: AggregatorConnection
    private let clock: any WallClock
    private let queue = DispatchQueue(label: "kaoping-web.status")
    private struct Cache {
        var reply: Kaoping_V1_StatusReply?
        var at: Timestamp?
        var error: String?
    }
    private let cache = Mutex(Cache())
    /// Kept between calls on the queue only.
    nonisolated(unsafe) private var client: ControlClient?
    nonisolated(unsafe) private var context: Context?

    public init(connection: AggregatorConnection, clock: any WallClock) {
        self.connection = connection
        self.clock = clock
    }

    /// The status no older than 2 seconds, or why there is none.
    public func status() async -> Result<Kaoping_V1_StatusReply, WireError> {
        let now = clock.now
        if let (reply, error) = cache.withLock({ cache -> (Kaoping_V1_StatusReply?, String?)? in
            guard let at = cache.at, now - at < .seconds(2) else { return nil }
            return (cache.reply, cache.error)
        }) {
            if let reply { return .success(reply) }
            return .failure(WireError(error ?? "no status"))
        }
        return await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: fetch()) }
        }
    }

    private func fetch() -> Result<Kaoping_V1_StatusReply, WireError> {
        let result: Result<Kaoping_V1_StatusReply, WireError>
        do {
            if client == nil {
                let context = try self.context ?? Context()
                self.context = context
                client = try ControlClient(
                    endpoint: connection.control, campaign: connection.campaign, aggregatorKey: connection.aggregator,
                    context: context, curve: try connection.curve(), clock: clock)
            }
            var request = Kaoping_V1_ControlRequest()
            request.status = Kaoping_V1_StatusRequest()
            request.status.mostMissing = 1  // the per-submitter counts; missing cells come from the feed
            let reply = try client!.call(request, signedBy: nil, timeout: 3_000)
            result = reply.ok ? .success(reply.status) : .failure(WireError("the aggregator refused: \(reply.error)"))
        } catch {
            client = nil  // a new connection next time
            result = .failure(WireError("\(connection.control): \(error)"))
        }
        let now = clock.now
        cache.withLock { cache in
            cache.at = now
            cache.reply = try? result.get()
            if case .failure(let error) = result { cache.error = error.message } else { cache.error = nil }
        }
        return result
    }
}
