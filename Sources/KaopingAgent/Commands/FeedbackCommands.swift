import ArgumentParser
import Foundation
import KaopingClient
import KaopingCore
import KaopingWire

extension AgentCommand {
    struct FindingCommand: FeedbackStepCommand {
        static let kind = "finding"
        static let configuration = CommandConfiguration(
            commandName: "finding",
            abstract: "Report a problem to a district (问题反馈); its head answers with a rectification plan.")

        @OptionGroup var options: AgentOptions

        @Option(help: "District id (D05) or name (居民区05).")
        var district: String

        @Option(help: "The indicator it concerns (id or Chinese label); omit for the district as a whole.")
        var indicator = ""

        @Option(help: "The community worker it concerns, if one.")
        var worker = ""

        @Option(help: "What was wrong.")
        var text: String

        @Option(help: ArgumentHelp("The day by which a plan is due (整改期限).", valueName: "YYYY-MM-DD"))
        var planDue: String

        @Option(help: "The finding's id; derived from its content when omitted.")
        var id = ""

        @Flag(help: "Only queue it; do not try to deliver now.")
        var queueOnly = false

        var values: [String: String] {
            [
                "finding_id": id, "district": district, "indicator": indicator, "worker": worker, "text": text,
                "plan_due": planDue,
            ]
        }
    }

    struct PlanCommand: FeedbackStepCommand {
        static let kind = "plan"
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Answer a finding about your district with a rectification plan (整改方案).")

        @OptionGroup var options: AgentOptions

        @Option(help: "The finding's id, as in the feedback folder.")
        var finding: String

        @Option(help: "The measures (整改措施).")
        var measures: String

        @Option(help: "The person responsible (责任人).")
        var responsible: String

        @Option(help: ArgumentHelp("The day the rectification is done by (完成时限).", valueName: "YYYY-MM-DD"))
        var completeBy: String

        @Option(help: "The plan's id; derived from its content when omitted.")
        var id = ""

        @Flag(help: "Only queue it; do not try to deliver now.")
        var queueOnly = false

        var values: [String: String] {
            [
                "plan_id": id, "finding_id": finding, "measures": measures, "responsible": responsible,
                "complete_by": completeBy,
            ]
        }
    }

    struct ReviewCommand: FeedbackStepCommand {
        static let kind = "review"
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Accept or return a plan for one of your findings, or mark the finding rectified or reopen it.")

        @OptionGroup var options: AgentOptions

        @Option(help: "The finding's id.")
        var finding: String

        @Option(help: "accepted (通过), returned (退回), rectified (销号) or reopened (重新打开).")
        var verdict: String

        @Option(help: "The plan reviewed (for accepted and returned): its id, as in the feedback folder.")
        var plan = ""

        @Option(help: "Why (required to return a plan or reopen a finding).")
        var reason = ""

        @Option(
            help: ArgumentHelp("With returned or reopened: a new day by which a plan is due.", valueName: "YYYY-MM-DD"))
        var planDue = ""

        @Option(help: "The review's id; derived from its content when omitted.")
        var id = ""

        @Flag(help: "Only queue it; do not try to deliver now.")
        var queueOnly = false

        var values: [String: String] {
            [
                "review_id": id, "finding_id": finding, "verdict": verdict, "plan_id": plan, "reason": reason,
                "plan_due": planDue,
            ]
        }
    }

    struct FeedbackCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "feedback",
            abstract: "Fetch the findings this agent may see into its feedback folder, and say what it owes.",
            discussion: """
                A district's head gets the findings about its district, a department those it raised, each with its \
                plans and reviews. They are written as findings.csv and one text file per finding into the feedback \
                folder (feedback_folder, or feedback/ in the inbox), with a template CSV of what is owed: fill it in \
                and drop it into the inbox to send.
                """)

        @OptionGroup var options: AgentOptions

        @Option(help: ArgumentHelp("Write the files here instead of the configured folder.", valueName: "DIR"))
        var out: String?

        @Option(help: "Seconds to wait for the aggregator.")
        var wait: Double = 10

        func run() async throws {
            let agent = try options.load()
            let report = try await Deliverer(agent: agent, logger: options.logger())
                .drain(within: .seconds(wait), feedbackWait: .seconds(wait))
            guard let list = report.feedback else {
                throw AgentFailure(
                    "the aggregator did not answer in \(Int(wait)) s; check that it runs and that aggregator in "
                        + "\(options.config) is its ingest endpoint" + report.unanswered(agent))
            }
            let folder = FeedbackFolder(catalog: agent.catalog, submitter: agent.identity.submitter)
            let items = FeedbackListing.items(of: list)
            let path = out ?? agent.configuration.feedbackFolderPath ?? "feedback"
            try folder.write(items, today: list.today, into: URL(fileURLWithPath: path))
            let open = items.filter(\.state.isOpen).count
            let overdue = items.filter(\.listed.overdue).count
            print("\(items.count) finding(s), \(open) open, \(overdue) overdue — written to \(path)/")
            if list.truncated {
                print(
                    "only these fit in the aggregator's answer; more findings concern this agent: the operator's "
                        + "`kaoping feedback list` shows them all")
            }
            printReminders(report, agent: agent)
        }
    }
}

/// `finding`, `plan` and `review`: each names its kind and its fields as typed; running one checks, signs and queues
/// the message, then (unless `--queue-only`) tries to deliver it and prints its receipt and what this agent owes.
protocol FeedbackStepCommand: AsyncParsableCommand {
    static var kind: String { get }
    var options: AgentOptions { get }
    var queueOnly: Bool { get }
    /// Field id → text as typed (empty: not given).
    var values: [String: String] { get }
}

extension FeedbackStepCommand {
    func run() async throws {
        let agent = try options.load()
        let step: FeedbackStep
        switch agent.feedbackImporter.step(kind: Self.kind, values.filter { !$0.value.isEmpty }) {
        case .failure(let problem): throw AgentFailure(problem.reason)
        case .success(let checked): step = checked
        }
        let added = try agent.enqueue(feedback: [(Self.kind, step)])
        print("\(added == 1 ? "queued" : "already queued") \(Agent.subject(step)) as \(step.id)")
        if queueOnly { return }
        try await deliverNow(step.id, agent: agent, options: options)
    }
}

/// Prints what this agent owes, from the findings the aggregator listed during `report`'s run.
func printReminders(_ report: Deliverer.Report, agent: Agent) {
    guard let list = report.feedback else { return }
    let reminders = FeedbackFolder(catalog: agent.catalog, submitter: agent.identity.submitter)
        .reminders(FeedbackListing.items(of: list))
    for reminder in reminders { print("owed: \(reminder)") }
}
