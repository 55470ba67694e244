import ArgumentParser

/// `kaoping`: the operator and leadership command line.
public struct KaopingCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kaoping",
        abstract: "Kaoping (考评): collect, verify and rank a sub-district's annual assessment.",
        subcommands: [
            ScoreCommand.self, CatalogCommand.self, StatusCommand.self, ReopenCommand.self, KeygenCommand.self,
            KeysCommand.self, AuditCommand.self, WatchCommand.self, ExportCommand.self, FeedbackCommand.self,
            WebCommand.self,
        ])

    public init() {}
}
