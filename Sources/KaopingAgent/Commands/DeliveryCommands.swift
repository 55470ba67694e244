import ArgumentParser
import Foundation
import KaopingClient
import KaopingCore
import KaopingWire

extension AgentCommand {
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
                let queued = try agent.outbox.resend(deliveredSince: since, at: agent.clock.now)
                print("queued again \(queued) submission(s) delivered since \(ChinaTime.format(since))")
            }
            let report = try await Deliverer(agent: agent, logger: options.logger()).drain(within: .seconds(wait))
            print("delivered \(report.delivered), refused \(report.rejected), still pending \(report.pending)")
            printReminders(report, agent: agent)
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
            var fields = [
                "submission_id": id, "indicator": indicator, "district": district, "worker": worker,
                "period": period, "score": score, "respondents": "\(respondents)",
                "key_respondents": "\(keyRespondents)", "participants": "\(participants)", "note": note,
            ]
            fields = fields.filter { !$0.value.isEmpty }
            var rates: [String: String] = [:]
            for pair in rate {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    throw ValidationError("--rate takes METRIC=VALUE, such as on_time_rate=96")
                }
                rates[parts[0]] = parts[1]
            }
            let submission: Submission
            switch agent.importer.submission(fields: fields, rates: rates) {
            case .failure(let problem): throw AgentFailure(problem.message)
            case .success(let checked): submission = checked
            }
            let added = try agent.enqueue([("submit", submission)])
            let queued = added == 1 ? "queued" : "already queued"
            print("\(queued) \(submission.key) = \(submission.score) as \(submission.id)")
            if queueOnly { return }
            try await deliverNow(submission.id, agent: agent, options: options)
        }
    }
}

/// Tries for a few seconds to deliver what was just queued as `id`, then prints what came of it (its receipt, or
/// why none came yet) and what this agent owes; exit status 2 when the aggregator refused it.
func deliverNow(_ id: String, agent: Agent, options: AgentOptions) async throws {
    let report = try await Deliverer(agent: agent, logger: options.logger()).drain(within: .seconds(5))
    if report.pending > 0 {
        print(
            report.untrustedAnswers(config: options.config)
                ?? "the aggregator did not answer yet; it stays in the outbox and `kaoping-agent run` or `send` will "
                + "deliver it" + report.unanswered(agent))
    }
    printReminders(report, agent: agent)
    let item = try agent.outbox.items().first { $0.submissionID == id }
    if let item, item.state != .pending {
        print("receipt: \(item.status)\(item.reason.isEmpty ? "" : " — \(item.reason)")")
        if item.state == .rejected { throw ExitCode(2) }
    }
}

extension Deliverer.Report {
    /// Why an aggregator may say nothing at all, when nothing was answered and the connection is encrypted: an
    /// aggregator that does not admit this agent's CURVE key (not in its keyring, or not reloaded yet) closes the
    /// connection during the handshake, which looks to the agent like an aggregator that is down.
    func unanswered(_ agent: Agent) -> String {
        guard delivered + rejected + untrusted == 0 else { return "" }
        if let handshakeRefused {
            let refusal = HandshakeRefused(
                endpoint: agent.configuration.aggregator, failure: handshakeRefused, encrypted: agent.curve != nil)
            return ".\n\(refusal); " + Self.remedy(handshakeRefused, encrypted: agent.curve != nil)
                + (handshakeRefused == .refused(status: 400) ? ":\n  " + Keyring.line(for: agent.identity) : "")
        }
        guard agent.curve != nil else { return "" }
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
