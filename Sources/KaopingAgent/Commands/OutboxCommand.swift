import ArgumentParser
import Foundation
import KaopingCore
import KaopingStore

extension AgentCommand {
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
                let when = item.receiptAt.map(format) ?? "attempts \(item.attempts)"
                var line = "\(item.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(item.subject)  "
                    + "\(item.submissionID)  \(item.status.isEmpty ? "-" : item.status)  \(when)"
                if !item.reason.isEmpty, item.state == .rejected { line += "  — \(item.reason)" }
                print(line)
            }
        }
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
    let createdAt: Timestamp
    let receiptAt: Timestamp?
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
        createdAt = item.createdAt
        receiptAt = item.receiptAt
        envelope = item.envelope.base64EncodedString()
        receipt = item.receipt?.base64EncodedString()
        receiptEntry = item.receiptEntry
    }

    enum CodingKeys: String, CodingKey {
        case subject, state, status, reason, source, envelope, receipt
        case submissionID = "submission_id"
        case createdAt = "created_at_ms"
        case receiptAt = "receipt_at_ms"
        case receiptEntry = "receipt_entry"
    }
}
