import ArgumentParser
import Foundation
import KaopingCore
import KaopingLogging
import KaopingStore
import KaopingWire
import Logging

/// `kaoping-agent`: a department's collector. Parses the command line and hands over to ``Agent``.
public struct AgentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kaoping-agent",
        abstract: "Sign a department's scores and deliver them to the aggregator, even if it is down at the time.",
        discussion: """
            Every command writes to the same durable outbox: a submission is signed and stored before it is sent, \
            and kept until the aggregator's signed receipt comes back. `run` is the daemon; `submit`, `import`, \
            `send` and `outbox` are one-shot commands for a clerk or a script. `finding`, `plan` and `review` send \
            the feedback loop's messages the same way, and `feedback` fetches the findings this agent may see.
            """,
        subcommands: [
            Run.self, Submit.self, Import.self, Send.self, OutboxCommand.self, FindingCommand.self, PlanCommand.self,
            ReviewCommand.self, FeedbackCommand.self,
        ])

    public init() {}
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

    @OptionGroup var logging: LogLevelOption

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
        logging.bootstrap(label: "kaoping.agent")
    }
}
