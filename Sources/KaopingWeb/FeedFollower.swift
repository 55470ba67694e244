import Foundation
import KaopingClient
import KaopingCore
import KaopingWire
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// Where the console reads the aggregator: its endpoints, its keys, and the viewer key it reads with.
public struct AggregatorConnection: Sendable {
    public var feed: String
    public var snapshot: String
    public var control: String
    public var campaign: String
    /// The aggregator's keys; with its CURVE key the connections are encrypted and `viewer` must be listed.
    public var aggregator: Keyring.Entry?
    /// The console's own key: a `viewer:NAME` key listed in the aggregator's keyring.
    public var viewer: SigningIdentity?

    public init(
        feed: String, snapshot: String, control: String, campaign: String, aggregator: Keyring.Entry?,
        viewer: SigningIdentity?
    ) {
        self.feed = feed
        self.snapshot = snapshot
        self.control = control
        self.campaign = campaign
        self.aggregator = aggregator
        self.viewer = viewer
    }

    /// The CURVE options for a connection, when the aggregator's CURVE key is known.
    func curve() throws -> CurveClient? {
        guard let serverKey = aggregator?.transportKey else { return nil }
        guard let transport = viewer?.transport else {
            throw WireError("the aggregator's key names a CURVE key: give the console a viewer key (--key)")
        }
        return CurveClient(serverKey: serverKey, transport: transport)
    }
}

/// The console's one subscription to the live feed (docs/protocol.md §5, through ``FeedSubscriber``): every browser
/// reads what it keeps in ``LiveRanking``, so the aggregator's cost does not grow with viewers. It runs on a thread
/// of its own (the subscriber blocks on its socket), starts again after any failure, and marks the ranking silent
/// when neither an update nor a heartbeat came for 5 seconds.
public final class FeedFollower: Service, Sendable {
    private let connection: AggregatorConnection
    private let live: LiveRanking
    private let clock: any WallClock
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    public init(connection: AggregatorConnection, live: LiveRanking, clock: any WallClock, logger: Logger) {
        self.connection = connection
        self.live = live
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let thread = Thread { [self] in follow() }
        thread.name = "feed-follower"
        thread.start()
        try? await gracefulShutdown()
        stopped.store(true, ordering: .relaxed)
        live.finish()
    }

    private func follow() {
        var lastReport = ""
        while !stopped.load(ordering: .relaxed) {
            do {
                let context = try Context()
                let subscriber = try FeedSubscriber(
                    feed: connection.feed, snapshot: connection.snapshot, campaign: connection.campaign,
                    context: context, curve: try connection.curve())
                var heard = ContinuousClock.now
                while !stopped.load(ordering: .relaxed) {
                    live.tick(at: clock.now)
                    switch try subscriber.next(timeout: 50, coalescing: true) {
                    case .ranking(let sequence, let ranking, let fromSnapshot)?:
                        heard = .now
                        live.set(
                            ranking, sequence: sequence, listed: fromSnapshot ? nil : subscriber.lastListed,
                            at: clock.now)
                        if !lastReport.isEmpty {
                            logger.info("following the feed again at sequence \(sequence)")
                            lastReport = ""
                        }
                    case .heartbeat?:
                        heard = .now
                        live.setConnected(true, at: clock.now)
                    case nil:
                        if ContinuousClock.now - heard > .seconds(5) { live.setConnected(false, at: clock.now) }
                    }
                }
            } catch {
                live.setConnected(false, at: clock.now)
                let report = "\(error)"
                if report != lastReport {
                    logger.warning("cannot follow the feed: \(report); trying again each second")
                }
                lastReport = report
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }
}
