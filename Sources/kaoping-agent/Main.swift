import KaopingAgent

/// The `kaoping-agent` executable: parses the command line and hands over to ``AgentCommand``.
@main
enum KaopingAgentMain {
    static func main() async {
        let run: () async -> Void = AgentCommand.main
        await run()
    }
}
