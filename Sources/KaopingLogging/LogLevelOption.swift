import ArgumentParser
import Logging

/// `--log-level`, shared by `kaoping-aggregator`, `kaoping-web` and every `kaoping-agent` command: log lines go to
/// standard error at that level and above. A level that is not one of swift-log's is refused before anything runs.
public struct LogLevelOption: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel = "info"

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "unknown --log-level '\(logLevel)'; use trace, debug, info, notice, warning, error or critical")
        }
    }

    /// Sends every logger's lines to standard error at the level asked and returns the logger named `label`. Once a
    /// process: swift-log takes one bootstrap.
    public func bootstrap(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
