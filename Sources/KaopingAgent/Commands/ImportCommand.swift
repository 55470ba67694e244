import ArgumentParser
import Foundation

extension AgentCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a CSV or JSON Lines file and queue all its rows, or none if any row is wrong.")

        @OptionGroup var options: AgentOptions

        @Argument(
            help: ArgumentHelp(
                "CSV (UTF-8, with a header; Chinese headings accepted) of scores, findings, plans or reviews; .jsonl, "
                    + "or .json holding one array of scores.",
                valueName: "FILE"))
        var file: String

        func run() async throws {
            let agent = try options.load()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AgentFailure("cannot read \(file); check the path")
            }
            if let (kind, text) = agent.feedbackImporter.recognize(data, fileName: file) {
                let (rows, problems) = agent.feedbackImporter.read(text, kind: kind)
                guard problems.isEmpty else { throw AgentFailure(Self.refusal(file, problems)) }
                let added = try agent.enqueue(feedback: rows.map { ("\(file):\($0.line)", $0.step) })
                print(
                    "\(file): \(rows.count) \(kind) row(s) checked, \(added) queued (\(rows.count - added) already in "
                        + "the outbox)")
                return
            }
            let outcome = agent.importer.read(data, fileName: file)
            guard outcome.problems.isEmpty else { throw AgentFailure(Self.refusal(file, outcome.problems)) }
            let added = try agent.enqueue(outcome.rows.map { ("\(file):\($0.line)", $0.submission) })
            let checked = outcome.rows.count
            print("\(file): \(checked) rows checked, \(added) queued (\(checked - added) already in the outbox)")
        }

        /// Why nothing of `file` was queued: its first 20 problems.
        static func refusal(_ file: String, _ problems: [ImportProblem]) -> String {
            var message = "\(file): \(problems.count) row(s) need fixing; nothing was queued:"
            for problem in problems.prefix(20) { message += "\n  \(problem)" }
            if problems.count > 20 { message += "\n  … and \(problems.count - 20) more" }
            return message
        }
    }
}
