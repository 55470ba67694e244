import Foundation
import KaopingClient
import KaopingCore
import KaopingStore
import KaopingWire
import Logging
import ServiceLifecycle
import SwiftProtobuf
import ZeroMQ

/// Sends what is pending in the outbox to the aggregator, resending the same bytes with exponential backoff and
/// jitter until a receipt whose aggregator signature verifies comes back; records every receipt. ``drain(within:)``
/// serves the one-shot commands, ``serve(inbox:)`` the daemon.
public struct Deliverer: Sendable {
    public let agent: Agent
    public let logger: Logger

    public init(agent: Agent, logger: Logger) {
        self.agent = agent
        self.logger = logger
    }

    /// What a run did.
    public struct Report: Sendable {
        public var delivered = 0
        public var rejected = 0
        public var pending = 0
        /// Answers that were not a receipt this agent can trust (another aggregator key, another campaign), and why
        /// the first was not: the aggregator answered, but nothing can be marked delivered by them.
        public var untrusted = 0
        public var untrustedReason: String?
        /// Why the aggregator closed the connection during the handshake, the first time it did.
        public var handshakeRefused: HandshakeFailure?
        /// The findings this agent may see, when it asked and the aggregator answered.
        public var feedback: Kaoping_V1_FeedbackList?

        /// What a clerk does about a refused handshake, in the words of the agent's configuration.
        public static func remedy(_ failure: HandshakeFailure, encrypted: Bool) -> String {
            switch failure {
            case .mechanismMismatch where encrypted:
                return "remove aggregator_curve_key from the configuration, or ask the operator why CURVE is off"
            case .mechanismMismatch:
                return "set aggregator_curve_key in the configuration to the third word of the aggregator's keyring "
                    + "line (ask the operator for it)"
            case .refused:
                return "ask the operator to list this agent's keyring line, with its CURVE key, and reload the keyring"
            case .other:
                return "check that aggregator in the configuration is the Kaoping aggregator's ingest endpoint"
            case .closedWithoutReason:
                return "check aggregator_curve_key against the aggregator's keyring line (set only if CURVE is on "
                    + "there), and ask the operator whether this agent's key is listed"
            }
        }
    }

    /// Delivers what is pending until nothing is, or `limit` has passed; for the one-shot commands. Then asks for
    /// the findings this agent may see, and waits for them up to `feedbackWait`.
    public func drain(within limit: Duration, feedbackWait: Duration = .seconds(3)) async throws -> Report {
        let deadline = ContinuousClock.now.advanced(by: limit)
        let link = try await DeliveryLink.open(for: agent)
        let notes = agent.configuration.inbox.flatMap { try? Inbox(folder: $0, agent: agent, logger: logger) }
        let run = DeliveryRun(notes: notes)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await receiptReader(link, run).run() }
            var asked: ContinuousClock.Instant?
            var idleSince: ContinuousClock.Instant?
            while !Task.isCancelled {
                await sendDue(on: link, run)
                let now = ContinuousClock.now
                if pending == 0 {
                    let idle = idleSince ?? now
                    idleSince = idle
                    // Asked once nothing is pending (the aggregator answers in order: the list includes what was
                    // delivered), and again every 2 s until answered: a query is not kept in the outbox.
                    let answered = run.feedback.withLock { $0 != nil }
                    if !answered, asked.map({ now - $0 >= .seconds(2) }) ?? true {
                        await askForFeedback(on: link)
                        asked = now
                    }
                    if answered || now - idle >= feedbackWait { break }
                }
                if now >= deadline { break }
                try? await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
        }
        await link.close()
        return run.report(pending: pending)
    }

    /// The daemon: delivers, sends a signed heartbeat every `heartbeat_seconds`, asks for its findings every
    /// `feedback_seconds` (writing them to the feedback folder and logging what it owes when they change) and, with
    /// `inbox`, imports the files dropped there, until SIGTERM or SIGINT. Then its services stop in the reverse order
    /// of their start: the inbox takes no more files, the feedback requests, heartbeats and the sender stop, and the
    /// receipt reader reads on for half a second for
    /// the answers to the last sends before the connection closes. What is not answered stays in the outbox.
    public func serve(inbox: Inbox?) async throws -> Report {
        let link = try await DeliveryLink.open(for: agent)
        let run = DeliveryRun(notes: inbox, logsReminders: true)
        let configuration = agent.configuration
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: receiptReader(link, run), serviceName: "receipts"),
            .init(service: Periodic(every: .milliseconds(100)) { await sendDue(on: link, run) }, serviceName: "sender"),
            .init(
                service: Periodic(every: .seconds(configuration.heartbeatSeconds)) { heartbeat(on: link) },
                serviceName: "heartbeats"),
        ]
        services.append(
            .init(
                service: Periodic(every: .seconds(configuration.feedbackSeconds)) { await askForFeedback(on: link) },
                serviceName: "feedback"))
        if let inbox {
            services.append(
                .init(
                    service: Periodic(every: .seconds(configuration.inboxScanSeconds)) { inbox.scan() },
                    serviceName: "inbox"))
        }
        var group = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A send that waits on a connection never made is cancelled rather than holding the shutdown.
        group.maximumGracefulShutdownDuration = .seconds(3)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            await link.close()
            throw error
        }
        await link.close()
        return run.report(pending: pending)
    }

    /// What is pending in the outbox now (0 when it cannot be read: the error is logged where it is read).
    private var pending: Int { (try? agent.outbox.counts()[.pending]) ?? 0 }

    private func receiptReader(_ link: DeliveryLink, _ run: DeliveryRun) -> ReceiptReader {
        ReceiptReader(link: link, tail: .milliseconds(500), record: { record($0, run) }) { failure in
            guard run.counter.refused(failure) else { return }
            let refusal = HandshakeRefused(
                endpoint: agent.configuration.aggregator, failure: failure, encrypted: agent.curve != nil)
            logger.warning("\(refusal); \(Deliverer.Report.remedy(failure, encrypted: agent.curve != nil))")
        }
    }

    /// Sends what is due: in batches, or each alone once the aggregator refused a batch; the outbox sets each item's
    /// next attempt.
    private func sendDue(on link: DeliveryLink, _ run: DeliveryRun) async {
        let now = agent.clock.now
        do {
            let due = try agent.outbox.due(at: now)
            for items in run.batching.refused ? due.map({ [$0] }) : Self.batches(of: due) {
                // One alone goes as it is; more go as a batch, each member answered as if it came alone.
                let body = items.count == 1 ? items[0].envelope : EnvelopeBatch.pack(items.map(\.envelope))
                if items.count > 1 { run.batching.sent(body) }
                do {
                    try await link.send(body)
                } catch {
                    logger.debug("aggregator unreachable; will retry", metadata: ["submissions": "\(items.count)"])
                }
                let attempts = items.map(\.attempts).max() ?? 0
                try agent.outbox.attempted(items.map(\.submissionID), retryAt: now + backoff(attempt: attempts + 1))
            }
        } catch {
            logger.error("the outbox cannot be read: \(error)")
        }
    }

    /// `items` in order, cut into batches of at most 64 whose message stays within the aggregator's limit of
    /// 65 536 bytes (an envelope too large for any batch goes alone, and is refused alone).
    static func batches(of items: [Outbox.Item]) -> [[Outbox.Item]] {
        var batches: [[Outbox.Item]] = []
        var sizes: [Int] = []
        for item in items {
            let size = EnvelopeBatch.packedSize(ofMembers: sizes + [item.envelope.count])
            let fits = sizes.count < EnvelopeBatch.maximumMembers && size <= SignedEnvelope.maximumEnvelopeBytes
            if fits, !batches.isEmpty {
                batches[batches.count - 1].append(item)
                sizes.append(item.envelope.count)
            } else {
                batches.append([item])
                sizes = [item.envelope.count]
            }
        }
        return batches
    }

    /// Milliseconds to wait before resending after `attempt` attempts: doubling from `retry_initial_seconds` up to
    /// `retry_max_seconds`, times a random factor in [0.5, 1.5).
    func backoff(attempt: Int) -> Duration {
        let configuration = agent.configuration
        let doubled = configuration.retryInitialSeconds * pow(2, Double(max(0, attempt - 1)))
        let base = min(configuration.retryMaxSeconds, doubled)
        return .milliseconds(Int64(base * Double.random(in: 0.5..<1.5) * 1000))
    }

    private func record(_ message: Multipart, _ run: DeliveryRun) {
        guard let body = message.frames.last else { return }
        if ReceiptCheck.isFeedbackList(body) { return received(feedback: body, run) }
        let receipts: [VerifiedReceipt]
        do {
            receipts = try ReceiptCheck.openAll(
                body, aggregatorKey: agent.aggregatorKey, campaign: agent.configuration.campaign)
        } catch {
            // Every resend of every pending item is answered alike: a warning a minute, not one per answer.
            if let count = run.counter.untrusted(error.message) {
                let warning = "ignored \(count) answer(s) that are not a receipt this agent can trust: \(error); "
                    + "check aggregator_public_key and campaign in the configuration against what the operator gave"
                logger.warning("\(warning)")
            }
            return
        }
        for verified in receipts where run.batching.refuses(verified.receipt) {
            let warning = "the aggregator does not take batches of submissions (a version before them): sending each "
                + "alone; ask the operator to upgrade it"
            logger.warning("\(warning)")
        }
        let answers = receipts.map { verified in
            let receipt = verified.receipt
            return Outbox.Answer(
                envelopeHash: receipt.envelopeHash,
                delivered: receipt.status == .accepted || receipt.status == .duplicate, status: receipt.status.name,
                reason: receipt.reason, entry: verified.entry)
        }
        let settled: [Outbox.Item]
        do {
            settled = try agent.outbox.record(answers, proof: body, at: agent.clock.now)
        } catch {
            logger.error("cannot record a receipt in the outbox: \(error); it will be asked for again")
            return
        }
        let answered = Dictionary(
            receipts.map { ($0.receipt.envelopeHash, $0.receipt) }, uniquingKeysWith: { first, _ in first })
        for item in settled {
            guard let receipt = answered[item.envelopeHash] else { continue }
            if item.state == .delivered {
                run.counter.delivered()
                logger.info(
                    "delivered", metadata: [
                        "submission.id": "\(item.submissionID)", "submission.key": "\(item.subject)",
                        "receipt.status": "\(receipt.status.name)", "ledger.position": "\(receipt.ledgerPosition)",
                    ])
            } else {
                run.counter.rejected()
                run.notes?.noteRefusal(of: item)
                logger.warning(
                    "refused by the aggregator: \(receipt.reason)", metadata: [
                        "submission.id": "\(item.submissionID)", "submission.key": "\(item.subject)",
                        "receipt.status": "\(receipt.status.name)",
                    ])
            }
        }
    }

    /// Asks the aggregator for the findings this agent may see (waiting for the connection, as a send does); the
    /// answer comes with the receipts.
    private func askForFeedback(on link: DeliveryLink) async {
        var query = Kaoping_V1_FeedbackQuery()
        query.signedAtMs = agent.clock.now.milliseconds
        guard
            let envelope = try? SignedEnvelope.seal(
                query, type: .feedbackQuery, campaign: agent.configuration.campaign, by: agent.identity)
        else { return }
        do {
            try await link.send(envelope)
        } catch {
            logger.debug("aggregator unreachable; will ask for findings again")
        }
    }

    /// A list of findings: verified, kept for the run, written to the feedback folder, and what this agent owes
    /// logged when it changed.
    private func received(feedback body: Data, _ run: DeliveryRun) {
        let list: Kaoping_V1_FeedbackList
        do {
            guard
                let opened = try ReceiptCheck.openFeedbackList(
                    body, aggregatorKey: agent.aggregatorKey, campaign: agent.configuration.campaign)
            else { return }
            list = opened
        } catch {
            logger.warning("ignored a list of findings that this agent cannot trust: \(error)")
            return
        }
        guard list.error.isEmpty else {
            logger.warning("the aggregator did not list findings: \(list.error)")
            return
        }
        if list.truncated, run.feedback.withLock({ $0?.truncated != true }) {
            let warning = "only the first \(list.items.count) findings fit in the aggregator's answer; the "
                + "operator's `kaoping feedback list` shows them all"
            logger.warning("\(warning)")
        }
        let previous = run.feedback.withLock { previous in
            defer { previous = list }
            return previous
        }
        let folder = FeedbackFolder(catalog: agent.catalog, submitter: agent.identity.submitter)
        let items = FeedbackListing.items(of: list)
        // An agent that never had a finding to see (most departments, most of the time) gets no folder.
        if let path = agent.configuration.feedbackFolderPath,
            !items.isEmpty || FileManager.default.fileExists(atPath: path)
        {
            do {
                try folder.write(items, today: list.today, into: URL(fileURLWithPath: path))
            } catch {
                logger.error("cannot write the findings into \(path): \(error)")
            }
        }
        guard run.logsReminders, previous?.items != list.items else { return }
        for reminder in folder.reminders(items) { logger.notice("\(reminder)") }
    }

    private func heartbeat(on link: DeliveryLink) {
        var beat = Kaoping_V1_AgentHeartbeat()
        beat.submitter = agent.identity.submitter
        beat.sentAtMs = agent.clock.now.milliseconds
        beat.pending = UInt32(pending)
        beat.agentVersion = "kaoping-agent 1"
        if let envelope = try? SignedEnvelope.seal(
            beat, type: .heartbeat, campaign: agent.configuration.campaign, by: agent.identity)
        {
            link.post(envelope)
        }
    }
}
