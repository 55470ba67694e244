import ArgumentParser
import Foundation
import KaopingCore

/// `kaoping score`: the rules applied offline to a file of submissions.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Apply the rules to submissions in a JSON Lines file and print the ranking.",
        discussion: """
            Reads one submission (or operator reopen) per line, in order, exactly as the aggregator would, and prints \
            one JSON object: districts and workers with totals, ranks and grades, the lines refused and the number of \
            duplicates. A malformed line is reported in 'rejected', never fatal.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json
        case table
    }

    @Option(name: .long, help: ArgumentHelp("Submissions as JSON Lines; '-' reads standard input.", valueName: "FILE"))
    var input: String

    @OptionGroup var rules: RulesOptions

    @Option(name: .long, help: "json (the output of docs/scoring.md) or table (for people).")
    var format: Format = .json

    func run() throws {
        let catalog = try rules.loadCatalog()
        let roster = try rules.loadRoster(catalog: catalog)
        let input = try InputFile.read(self.input, what: "input")
        let report = OfflineScorer(catalog: catalog, roster: roster).score(jsonLines: input)
        switch format {
        case .json:
            FileHandle.standardOutput.write(report.json() + Data("\n".utf8))
        case .table:
            print(ScoreTable(report: report, catalog: catalog).render(), terminator: "")
        }
    }
}
