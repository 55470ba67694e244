import KaopingCLI

/// The `kaoping` executable: parses the command line and hands over to ``KaopingCommand``.
@main
enum Kaoping {
    static func main() async {
        let run: () async -> Void = KaopingCommand.main
        await run()
    }
}
