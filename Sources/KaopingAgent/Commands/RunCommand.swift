import ArgumentParser
import KaopingStore
import Logging

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
            // SIGTERM and SIGINT end the daemon in order; the outbox keeps whatever is not yet delivered.
            _ = try await Deliverer(agent: agent, logger: logger).serve(inbox: inbox)
            withExtendedLifetime(claim) {}
            logger.info("agent stopped", metadata: ["outbox.pending": "\((try? agent.outbox.counts()[.pending]) ?? 0)"])
        }
    }
}
