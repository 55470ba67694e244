import ArgumentParser
import Foundation
import KaopingAgent
import KaopingCore
import KaopingStore
import KaopingWire
import Logging

/// `kaoping-agent`: a department's collector. Parses the command line and hands over to ``Agent``.
@main
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kaoping-agent",
        abstract: "Sign a department's scores and deliver them to the aggregator, even if it is down at the time.",
        discussion: """
            Every command writes to the same durable outbox: a submission is signed and stored before it is sent, \
            and kept until the aggregator's signed receipt comes back. `run` is the daemon; `submit`, `import`, \
            `send` and `outbox` are one-shot commands for a clerk or a script.
            """,
        subcommands: [Run.self, Submit.self, Import.self, Send.self, OutboxCommand.self])
}

/// A failure reported in a line or a few, without usage text; exit status 1.
struct AgentFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--config FILE`, shared by every subcommand.
struct AgentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The agent's configuration (YAML).", valueName: "FILE"))
    var config = "agent.yaml"

    @Option(help: "trace, debug, info, notice, warning or error.")
    var logLevel = "info"

    func load() throws -> Agent {
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
            throw AgentFailure("cannot read \(config); pass --config with the agent's configuration file")
        }
        let settings: AgentConfiguration
        do {
            settings = try AgentConfiguration.parse(text)
        } catch {
            throw AgentFailure("\(config) is not a valid agent configuration: \(error)")
        }
        do {
            return try Agent(configuration: settings)
        } catch let error as AgentError {
            throw AgentFailure(error.message)
        }
    }

    func logger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "kaoping.agent")
    }
}

extension AgentCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run as a daemon: watch the inbox, deliver the outbox with retries, send heartbeats.")

        @OptionGroup var options: AgentOptions

        func run() async throws {
            let logger = options.logger()
            let agent = try options.load()
            // One daemon per outbox: a second would import every file dropped in the inbox and send everything again.
            let claim: StoreClaim
            do {
                claim = try StoreClaim(agent.configuration.outbox, for: .agentDaemon)
            } catch {
                throw AgentFailure(error.message)
            }
            let inbox = try agent.configuration.inbox.map { try Inbox(folder: $0, agent: agent, logger: logger) }
            logger.info(
                "agent running", metadata: [
                    "agent.id": "\(agent.identity.submitter)", "key.id": "\(agent.identity.keyID)",
                    "aggregator": "\(agent.configuration.aggregator)",
                    "inbox": "\(agent.configuration.inbox ?? "none")",
                ])
            let task = Task {
                try await Deliverer(agent: agent, logger: logger).run(
                    untilDrained: false, heartbeats: true, inbox: inbox)
            }
            // SIGTERM and SIGINT end the daemon; the outbox keeps whatever is not yet delivered.
            let signals = [SIGTERM, SIGINT].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number)
                source.setEventHandler { task.cancel() }
                source.resume()
                return source
            }
            _ = try await task.value
            signals.forEach { $0.cancel() }
            withExtendedLifetime(claim) {}
            logger.info("agent stopped", metadata: ["outbox.pending": "\((try? agent.outbox.counts()[.pending]) ?? 0)"])
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver what is pending, then exit (non-zero if something is still pending or was refused).")

        @OptionGroup var options: AgentOptions

        @Option(help: "Seconds to keep trying.")
        var wait: Double = 30

        @Option(
            name: .customLong("again-since"),
            help: ArgumentHelp(
                "Also send again what was delivered since this time, China Standard Time as every Kaoping tool shows "
                    + "times (after the aggregator's store was restored from a backup: give a time a little before "
                    + "the backup).",
                valueName: "YYYY-MM-DD[ HH:MM[:SS]]"))
        var againSince: String?

        func validate() throws {
            if let againSince, ChinaTime.parse(againSince) == nil {
                throw ValidationError(
                    "--again-since '\(againSince)' is not a time; write it as 2026-11-28 14:05 (China Standard "
                        + "Time) or 2026-11-28")
            }
        }

        func run() async throws {
            let agent = try options.load()
            if let againSince, let since = ChinaTime.parse(againSince) {
                let queued = try agent.outbox.resend(deliveredSince: since, at: Agent.now())
                print("queued again \(queued) submission(s) delivered since \(ChinaTime.format(since))")
            }
            let report = try await Deliverer(agent: agent, logger: options.logger()).run(
                untilDrained: true, deadline: Date().addingTimeInterval(wait), heartbeats: false, inbox: nil)
            print("delivered \(report.delivered), refused \(report.rejected), still pending \(report.pending)")
            if report.pending > 0 {
                throw AgentFailure(
                    "\(report.pending) submission(s) still pending: "
                        + (report.untrustedAnswers(config: options.config)
                            ?? "the aggregator did not answer in \(Int(wait)) s; they stay in the outbox — run `send` "
                            + "again or keep `run` going" + report.unanswered(agent)))
            }
            if report.rejected > 0 { throw ExitCode(2) }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue one score from flags (checked by the rules first), then try to deliver it.")

        @OptionGroup var options: AgentOptions

        @Option(help: "Indicator id or its Chinese label; may be omitted when this submitter owns only one.")
        var indicator = ""

        @Option(help: "District id (D01) or name (居民区01).")
        var district = ""

        @Option(help: "Worker id, for worker indicators.")
        var worker = ""

        @Option(help: "Month (2023-03), for the hotline.")
        var period = ""

        @Option(help: "The score as a decimal, such as 13.5.")
        var score = ""

        @Option(help: "Survey households reached.")
        var respondents = 0

        @Option(help: "Households from key groups.")
        var keyRespondents = 0

        @Option(help: "Participants of a review meeting.")
        var participants = 0

        @Option(help: "The reason (required for a bonus or deduction above 0).")
        var note = ""

        @Option(help: "Hotline rate as METRIC=VALUE (repeat for each of the four).")
        var rate: [String] = []

        @Option(help: "The submission id; derived from the content when omitted.")
        var id = ""

        @Flag(help: "Only queue it; do not try to deliver now.")
        var queueOnly = false

        func run() async throws {
            let agent = try options.load()
            var columns = [
                "submission_id": id, "indicator": indicator, "district": district, "worker": worker,
                "period": period, "score": score, "respondents": "\(respondents)",
                "key_respondents": "\(keyRespondents)", "participants": "\(participants)", "note": note,
            ]
            columns = columns.filter { !$0.value.isEmpty }
            var header = Array(columns.keys).sorted()
            var values = header.map { columns[$0]! }
            for pair in rate {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    throw ValidationError("--rate takes METRIC=VALUE, such as on_time_rate=96")
                }
                header.append(parts[0])
                values.append(parts[1])
            }
            let csv = [header, values].map { $0.map(CSVTable.field).joined(separator: ",") }.joined(separator: "\n")
            let outcome = agent.importer.read(Data(csv.utf8), fileName: "submit.csv")
            if let problem = outcome.problems.first {
                throw AgentFailure(problem.message)
            }
            let added = try agent.enqueue(outcome.rows.map { ("submit", $0.submission) })
            let submission = outcome.rows[0].submission
            let queued = added == 1 ? "queued" : "already queued"
            print("\(queued) \(submission.key) = \(submission.score) as \(submission.id)")
            if queueOnly { return }
            let report = try await Deliverer(agent: agent, logger: options.logger()).run(
                untilDrained: true, deadline: Date().addingTimeInterval(5), heartbeats: false, inbox: nil)
            if report.pending > 0 {
                print(
                    report.untrustedAnswers(config: options.config)
                        ?? "the aggregator did not answer yet; it stays in the outbox and `kaoping-agent run` or "
                        + "`send` will deliver it" + report.unanswered(agent))
            }
            let item = try agent.outbox.items().first { $0.submissionID == submission.id }
            if let item, item.state != .pending {
                print("receipt: \(item.status)\(item.reason.isEmpty ? "" : " — \(item.reason)")")
                if item.state == .rejected { throw ExitCode(2) }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a CSV or JSON Lines file and queue all its rows, or none if any row is wrong.")

        @OptionGroup var options: AgentOptions

        @Argument(
            help: ArgumentHelp(
                "CSV (UTF-8, with a header; Chinese headings accepted), .jsonl, or .json holding one array.",
                valueName: "FILE"))
        var file: String

        func run() async throws {
            let agent = try options.load()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AgentFailure("cannot read \(file); check the path")
            }
            let outcome = agent.importer.read(data, fileName: file)
            guard outcome.problems.isEmpty else {
                var message = "\(file): \(outcome.problems.count) row(s) need fixing; nothing was queued:"
                for problem in outcome.problems.prefix(20) { message += "\n  \(problem)" }
                if outcome.problems.count > 20 { message += "\n  … and \(outcome.problems.count - 20) more" }
                throw AgentFailure(message)
            }
            let added = try agent.enqueue(outcome.rows.map { ("\(file):\($0.line)", $0.submission) })
            let checked = outcome.rows.count
            print("\(file): \(checked) rows checked, \(added) queued (\(checked - added) already in the outbox)")
        }
    }

    struct OutboxCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "outbox",
            abstract: "List pending, delivered and refused submissions with reasons and receipt times.")

        @OptionGroup var options: AgentOptions

        @Option(help: "Only this state: pending, delivered or rejected.")
        var state: String?

        @Flag(
            help: ArgumentHelp(
                "One JSON object a line, with the signed envelope and the aggregator's signed receipt (base64; a "
                    + "receipt_batch with the item's receipt_entry, from 0): the department's proof of what it sent "
                    + "and what the aggregator answered."))
        var json = false

        func run() throws {
            let agent = try options.load()
            let filter = try state.map { name -> Outbox.State in
                guard let state = Outbox.State(rawValue: name) else {
                    throw ValidationError("--state must be pending, delivered or rejected")
                }
                return state
            }
            let items = try agent.outbox.items(state: filter)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for item in items {
                    print(String(decoding: try encoder.encode(ProofLine(item)), as: UTF8.self))
                }
                return
            }
            let counts = try agent.outbox.counts()
            print(
                "\(agent.identity.submitter): \(counts[.pending] ?? 0) pending, \(counts[.delivered] ?? 0) delivered, "
                    + "\(counts[.rejected] ?? 0) refused")
            let format = ChinaTime.printer()
            for item in items {
                let when = item.receiptAtMilliseconds.map(format) ?? "attempts \(item.attempts)"
                var line = "\(item.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(item.subject)  "
                    + "\(item.submissionID)  \(item.status.isEmpty ? "-" : item.status)  \(when)"
                if !item.reason.isEmpty, item.state == .rejected { line += "  — \(item.reason)" }
                print(line)
            }
        }
    }
}

extension Deliverer.Report {
    /// Why an aggregator may say nothing at all, when nothing was answered and the connection is encrypted: an
    /// aggregator that does not admit this agent's CURVE key (not in its keyring, or not reloaded yet) closes the
    /// connection during the handshake, which looks to the agent like an aggregator that is down.
    func unanswered(_ agent: Agent) -> String {
        guard agent.curve != nil, delivered + rejected + untrusted == 0 else { return "" }
        return ".\nThe aggregator may be down or unreachable from here, or not admit this agent's key: ask the "
            + "operator to check that its keyring lists this line and was reloaded (kaoping keys reload):\n  "
            + Keyring.line(for: agent.identity)
    }

    /// What to tell a clerk when the aggregator answered but no answer could be trusted as a receipt: it is
    /// reachable, and the agent's configuration names another aggregator key or campaign than the one it runs.
    func untrustedAnswers(config: String) -> String? {
        guard untrusted > 0 else { return nil }
        return "the aggregator answered \(untrusted) time(s), but not with a receipt this agent can trust ("
            + "\(untrustedReason ?? "")); check aggregator_public_key and campaign in \(config) against what the "
            + "operator gave. What was not delivered stays in the outbox."
    }
}

/// An outbox item as `kaoping-agent outbox --json` prints it.
struct ProofLine: Encodable {
    let submissionID: String
    let subject: String
    let state: String
    let status: String
    let reason: String
    let source: String
    let createdAtMs: Int64
    let receiptAtMs: Int64?
    let envelope: String
    /// A `receipt`, or the `receipt_batch` holding this item's receipt as entry `receiptEntry` (from 0).
    let receipt: String?
    let receiptEntry: Int?

    init(_ item: Outbox.Item) {
        submissionID = item.submissionID
        subject = item.subject
        state = item.state.rawValue
        status = item.status
        reason = item.reason
        source = item.source
        createdAtMs = item.createdAtMilliseconds
        receiptAtMs = item.receiptAtMilliseconds
        envelope = item.envelope.base64EncodedString()
        receipt = item.receipt?.base64EncodedString()
        receiptEntry = item.receiptEntry
    }

    enum CodingKeys: String, CodingKey {
        case subject, state, status, reason, source, envelope, receipt
        case submissionID = "submission_id"
        case createdAtMs = "created_at_ms"
        case receiptAtMs = "receipt_at_ms"
        case receiptEntry = "receipt_entry"
    }
}
