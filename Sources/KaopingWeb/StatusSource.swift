import Foundation
import KaopingClient
import KaopingCore
import KaopingWire
import Synchronization
import ZeroMQ

/// Who has sent what and who still owes what, from the control endpoint's status (unsigned, on the console's viewer
/// connection: docs/protocol.md §6), and the findings with their plans (a `feedback_query` signed with the console's
/// viewer key: §7). Each asked at most every 2 seconds, whatever the number of browsers; one request at a time, on a
/// thread of its own (the client blocks on its socket), and the requests that waited behind one take its answer.
public final class StatusSource: Sendable {
    private let connection: AggregatorConnection
    private let clock: any WallClock
    private let queue = DispatchQueue(label: "kaoping-web.status")
    private let statusCache = Cached<Kaoping_V1_StatusReply>()
    private let findingsCache = Cached<Kaoping_V1_FeedbackList>()
    /// Kept between calls on the queue only.
    nonisolated(unsafe) private var client: ControlClient?
    nonisolated(unsafe) private var context: Context?

    public init(connection: AggregatorConnection, clock: any WallClock) {
        self.connection = connection
        self.clock = clock
    }

    /// The status no older than 2 seconds, or why there is none.
    public func status() async -> Result<Kaoping_V1_StatusReply, WireError> {
        await cached(statusCache) { $0.fetch() }
    }

    /// Every finding with its history, no older than 2 seconds nor than the feed's update `sequence`, or why there
    /// are none.
    public func findings(asOf sequence: UInt64) async -> Result<Kaoping_V1_FeedbackList, WireError> {
        await cached(findingsCache, sequence: sequence) { $0.fetchFindings() }
    }

    /// An answer of the aggregator as last asked: when, at which feed sequence, and what came back.
    final class Cached<Reply: Sendable>: Sendable {
        private struct Kept {
            var result: Result<Reply, WireError>
            var at: Timestamp
            /// The feed's sequence when it was asked (for the findings: a list older than the ranking shown is
            /// asked again, so that it agrees with the counts the feed brought).
            var sequence: UInt64
        }
        private let kept = Mutex<Kept?>(nil)

        /// What it holds when younger than 2 seconds at `now` and asked at `sequence` or later.
        func fresh(at now: Timestamp, sequence: UInt64) -> Result<Reply, WireError>? {
            kept.withLock { kept in
                guard let kept, now - kept.at < .seconds(2), kept.sequence >= sequence else { return nil }
                return kept.result
            }
        }

        func keep(_ result: Result<Reply, WireError>, at: Timestamp, sequence: UInt64) {
            kept.withLock { $0 = Kept(result: result, at: at, sequence: sequence) }
        }
    }

    /// What `cache` holds when fresh; otherwise `fetch`ed on the queue and kept. Looked at again on the queue: a
    /// request that waited behind another's fetch takes its answer (a page's many browsers ask at once after each
    /// event, and each fetch is a request to the aggregator).
    func cached<Reply: Sendable>(
        _ cache: Cached<Reply>, sequence: UInt64 = 0,
        fetch: @escaping @Sendable (StatusSource) -> Result<Reply, WireError>
    ) async -> Result<Reply, WireError> {
        if let fresh = cache.fresh(at: clock.now, sequence: sequence) { return fresh }
        return await withCheckedContinuation { continuation in
            queue.async { [self] in
                if let fresh = cache.fresh(at: clock.now, sequence: sequence) {
                    return continuation.resume(returning: fresh)
                }
                let result = fetch(self)
                cache.keep(result, at: clock.now, sequence: sequence)
                continuation.resume(returning: result)
            }
        }
    }

    /// The client, connected once and again after a failure; on the queue only.
    private func connected() throws -> ControlClient {
        if let client { return client }
        let context = try self.context ?? Context()
        self.context = context
        let made = try ControlClient(
            endpoint: connection.control, campaign: connection.campaign, aggregatorKey: connection.aggregator,
            context: context, curve: try connection.curve(), clock: clock)
        client = made
        return made
    }

    private func fetchFindings() -> Result<Kaoping_V1_FeedbackList, WireError> {
        guard let viewer = connection.viewer else {
            return .failure(WireError("the console runs without a viewer key (--key): no findings"))
        }
        do {
            let list = try connected().feedback(Kaoping_V1_FeedbackQuery(), signedBy: viewer, timeout: 3_000)
            return list.error.isEmpty ? .success(list) : .failure(WireError("the aggregator refused: \(list.error)"))
        } catch {
            client = nil  // a new connection next time
            return .failure(WireError("\(connection.control): \(error)"))
        }
    }

    private func fetch() -> Result<Kaoping_V1_StatusReply, WireError> {
        do {
            var request = Kaoping_V1_ControlRequest()
            request.status = Kaoping_V1_StatusRequest()
            request.status.mostMissing = 1  // the per-submitter counts; missing cells come from the feed
            let reply = try connected().call(request, signedBy: nil, timeout: 3_000)
            return reply.ok ? .success(reply.status) : .failure(WireError("the aggregator refused: \(reply.error)"))
        } catch {
            client = nil  // a new connection next time
            return .failure(WireError("\(connection.control): \(error)"))
        }
    }
}
