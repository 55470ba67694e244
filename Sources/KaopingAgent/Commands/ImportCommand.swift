import ArgumentParser
import Foundation

extension AgentCommand {
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
}
