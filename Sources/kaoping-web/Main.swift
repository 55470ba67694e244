import KaopingWeb

/// The `kaoping-web` executable: parses the command line and hands over to ``WebCommand``.
@main
enum KaopingWebMain {
    static func main() async {
        let run: () async -> Void = WebCommand.main
        await run()
    }
}
