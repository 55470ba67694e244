import Foundation
import KaopingCore
import KaopingStore
import KaopingWire
import Logging
import ServiceLifecycle
import ZeroMQ

/// Why the aggregator cannot start, in words an operator can act on at 2 a.m.
public struct AggregatorStartupError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The aggregator daemon: its sockets, its ledger keeper and its services, ready to run.
public struct Aggregator: Sendable {
    public let configuration: AggregatorConfiguration
    /// The endpoints actually bound (ports chosen for `*`).
    public let boundEndpoints: AggregatorConfiguration.Endpoints
    /// Held until ``run()`` returns, every commit made.
    let claim: StoreClaim
    let services: [any Service]
    let loop: SocketLoop
    let counters: IntakeCounters
    let queue: WorkQueue
    let published: PublishedState
    let logger: Logger

    /// Reads the catalog, roster, keyring, key and store, binds every endpoint, and rebuilds state from the store.
    public static func build(
        _ configuration: AggregatorConfiguration, logger: Logger, clock: any WallClock = SystemClock()
    ) async throws -> Aggregator {
        let catalog: Catalog
        let roster: Roster
        let keyring: Keyring
        let identity: SigningIdentity
        do throws(CampaignFileError) {
            catalog = try CampaignFiles.catalog(configuration.catalog)
            roster = try CampaignFiles.roster(configuration.roster, catalog: catalog)
            keyring = try CampaignFiles.keyring(configuration.keyring)
            identity = try CampaignFiles.signingKey(configuration.identity)
        } catch {
            throw AggregatorStartupError(message: error.message)
        }
        // Before the store is read: a second aggregator on the same store would keep a ledger of its own.
        let claim: StoreClaim
        do {
            claim = try StoreClaim(configuration.store, for: .aggregator)
        } catch {
            throw AggregatorStartupError(message: error.message)
        }
        let store: AggregatorStore
        do {
            store = try AggregatorStore(
                path: configuration.store, faultInjection: Self.faultInjection(logger: logger))
        } catch {
            throw AggregatorStartupError(message: "cannot open the store \(configuration.store): \(error)")
        }
        // Next year's catalog on this year's store would score none of what it holds, and mix two campaigns'
        // submissions and audit entries in one log.
        if let held = try store.campaign(), held != catalog.campaign {
            throw AggregatorStartupError(
                message: "the store \(configuration.store) holds campaign \(held); the catalog is campaign "
                    + "\(catalog.campaign). Give \(catalog.campaign) a store of its own (keep this one for `kaoping "
                    + "audit history` and its records), or start with the catalog of \(held)")
        }

        let limits = configuration.limits
        let context = try Context()
        let loop = try SocketLoop(context: context, name: "aggregator-zmq", terminatesContext: true)
        var transportAccess: TransportAccess?
        var zap: SocketLoop.Opened?
        var submitterSecurity: [SocketOption] = []
        var readerSecurity: [SocketOption] = []
        if !configuration.curve {
            let warning = "CURVE is off (curve: false): connections are not encrypted, any key pair may connect, "
                + "and whoever reaches the feed and snapshot endpoints reads every score and grade; remove curve: "
                + "false (or --no-curve) outside a test"
            logger.warning("\(warning)")
        } else {
            guard let transport = identity.transport else {
                throw AggregatorStartupError(
                    message: "curve is on but \(configuration.identity) has no CURVE keys; make the aggregator's key "
                        + "with `kaoping keygen --submitter aggregator`")
            }
            // The ZAP handler is bound before any server socket, so that no connection is admitted unchecked.
            zap = try await loop.open(.router, bind: [ZAPService.endpoint])
            transportAccess = TransportAccess()
            submitterSecurity = [.zapDomain(ZAPService.submitterDomain), .curveServer(secretKey: transport.secretKey)]
            readerSecurity = [.zapDomain(ZAPService.readerDomain), .curveServer(secretKey: transport.secretKey)]
        }
        let routerOptions: [SocketOption] = [
            .routerMandatory, .maxMessageSize(Int64(limits.maxMessageBytes)),
            .receiveHighWaterMark(limits.highWaterMark), .sendHighWaterMark(limits.highWaterMark),
            .heartbeat(interval: 5_000, timeout: 15_000, ttl: 30_000), .linger(1_000),
        ]
        let endpoints = configuration.endpoints
        func open(_ type: SocketType, _ endpoint: String, _ options: [SocketOption]) async throws -> SocketLoop.Opened {
            do {
                return try await loop.open(type, options: options, bind: [endpoint])
            } catch {
                throw AggregatorStartupError(
                    message: "cannot bind \(endpoint): \(error); is another aggregator running?")
            }
        }
        let ingest = try await open(.router, endpoints.ingest, routerOptions + submitterSecurity)
        let control = try await open(.router, endpoints.control, routerOptions + submitterSecurity)
        let snapshot = try await open(.router, endpoints.snapshot, routerOptions + readerSecurity)
        let feedOptions: [SocketOption] = [.sendHighWaterMark(1_000), .linger(500)] + readerSecurity
        let feed = try await open(.pub, endpoints.feed, feedOptions)
        var bound = AggregatorConfiguration.Endpoints()
        bound.ingest = ingest.endpoints.first ?? endpoints.ingest
        bound.control = control.endpoints.first ?? endpoints.control
        bound.snapshot = snapshot.endpoints.first ?? endpoints.snapshot
        bound.feed = feed.endpoints.first ?? endpoints.feed

        let published = PublishedState(epoch: clock.now.milliseconds)
        let queue = WorkQueue(capacity: limits.queueCapacity)
        let keeper = try LedgerKeeper(
            catalog: catalog, roster: roster, identity: identity, store: store, keyring: keyring,
            keyringPath: configuration.keyring, published: published,
            replies: ReplySink(loop: loop, ingestSocket: ingest.handle, controlSocket: control.handle),
            logger: logger, transportAccess: transportAccess, clock: clock, queue: queue)

        let counters = IntakeCounters()
        var services: [any Service] = []
        if let zap, let transportAccess {
            services.append(
                ZAPService(
                    loop: loop, socket: zap.handle, incoming: zap.incoming, access: transportAccess, logger: logger))
        }
        services += [
            FeedService(
                loop: loop, socket: FeedSocket(feed, endpoint: bound.feed, options: feedOptions), published: published,
                campaign: catalog.campaign, heartbeatInterval: .seconds(1), clock: clock, access: transportAccess,
                logger: logger),
            SnapshotService(
                loop: loop, socket: snapshot.handle, incoming: snapshot.incoming, keeper: keeper,
                access: transportAccess),
            KeeperService(keeper: keeper, queue: queue, maximumBatch: limits.maxBatch),
            FeedbackDayService(keeper: keeper),
            CheckpointService(store: store, interval: .milliseconds(100), logger: logger),
            IngestService(
                incoming: control.incoming, queue: queue, maximumMessageBytes: limits.maxMessageBytes,
                counters: counters, logger: logger, route: { keeper.prepare(control: $0) }),
            IngestService(
                incoming: ingest.incoming, queue: queue, maximumMessageBytes: limits.maxMessageBytes,
                counters: counters, logger: logger,
                route: { messages in
                    let requests = messages.flatMap { $0.members() }
                    return zip(requests, await keeper.precheck(requests)).map { .ingest($0, $1) }
                }),
        ]
        logger.info(
            "aggregator ready",
            metadata: [
                "campaign": "\(catalog.campaign)", "endpoint.ingest": "\(bound.ingest)",
                "endpoint.feed": "\(bound.feed)", "endpoint.snapshot": "\(bound.snapshot)",
                "endpoint.control": "\(bound.control)", "key.id": "\(identity.keyID)",
                "curve": "\(configuration.curve ? "on" : "off")",
            ])
        return Aggregator(
            configuration: configuration, boundEndpoints: bound, claim: claim, services: services, loop: loop,
            counters: counters, queue: queue, published: published, logger: logger)
    }

    /// Runs until SIGTERM (graceful: stop taking work, commit and answer what is in hand, close) or SIGINT;
    /// `running` is called once both signals are handled, so that a SIGTERM right after it is graceful too.
    public func run(running: (@Sendable () -> Void)? = nil) async throws {
        let notice: [any Service] = running.map { [RunningNotice(notify: $0)] } ?? []
        let group = ServiceGroup(
            configuration: .init(
                services: (notice + services).map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm],
                cancellationSignals: [.sigint], logger: logger))
        defer {
            published.finish()
            withExtendedLifetime(claim) {}
        }
        do {
            try await group.run()
        } catch {
            await loop.stop(linger: 1_000)
            throw error
        }
        await loop.stop(linger: 1_000)
        logger.info(
            "aggregator stopped",
            metadata: [
                "zmq.failed_posts": "\(loop.failedPosts)",
                "intake.malformed": "\(counters.malformed.load(ordering: .relaxed))",
                "intake.refused_when_full": "\(queue.dropped.load(ordering: .relaxed))",
            ])
    }

    /// `KAOPING_FAULT_FILE=PATH`: while PATH exists, every commit fails as on a full disk (for the storage-fault
    /// tests of docs/reliability.md). Unset in production.
    static func faultInjection(logger: Logger) -> (@Sendable () throws -> Void)? {
        guard let path = ProcessInfo.processInfo.environment["KAOPING_FAULT_FILE"], !path.isEmpty else { return nil }
        logger.warning("fault injection is on: commits fail while \(path) exists")
        return {
            if FileManager.default.fileExists(atPath: path) {
                throw StoreError("injected storage fault: database or disk is full (\(path) exists)")
            }
        }
    }
}

/// Calls `notify` once the service group runs (its signal handlers are registered before any service starts), then
/// waits for the shutdown.
private struct RunningNotice: Service {
    let notify: @Sendable () -> Void

    func run() async throws {
        notify()
        try? await gracefulShutdown()
    }
}
