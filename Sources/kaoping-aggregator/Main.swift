import ArgumentParser
import Foundation
import KaopingAggregator
import KaopingLogging
import Logging

/// `kaoping-aggregator`: parses the command line and hands over to ``Aggregator``.
@main
struct AggregatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kaoping-aggregator",
        abstract: "The Kaoping aggregator: verifies, stores and ranks signed submissions, and publishes the ranking.",
        discussion: """
            Settings come from --config (YAML) and are overridden by flags. SIGTERM stops gracefully: no new work is \
            taken, what is in hand is committed and answered, then sockets close. See docs/operations.md.
            """)

    @Option(help: ArgumentHelp("Configuration file (YAML).", valueName: "FILE"))
    var config: String?

    @Option(help: ArgumentHelp("SQLite store.", valueName: "FILE"))
    var store: String?

    @Option(
        help: ArgumentHelp(
            "Keyring: one 'SUBMITTER PUBLIC_KEY_BASE64 CURVE_KEY_BASE64' per line, as `kaoping keygen` prints them.",
            valueName: "FILE"))
    var keyring: String?

    @Option(help: ArgumentHelp("The aggregator's key file (signs receipts).", valueName: "FILE"))
    var identity: String?

    @Option(help: ArgumentHelp("Catalog file; the built-in zhongshan-2023 when omitted.", valueName: "FILE"))
    var catalog: String?

    @Option(help: ArgumentHelp("Roster CSV (id,name,district).", valueName: "FILE"))
    var roster: String?

    @Option(help: ArgumentHelp("Ingest endpoint (ROUTER).", valueName: "ENDPOINT"))
    var ingest: String?

    @Option(help: ArgumentHelp("Feed endpoint (PUB).", valueName: "ENDPOINT"))
    var feed: String?

    @Option(help: ArgumentHelp("Snapshot endpoint (ROUTER).", valueName: "ENDPOINT"))
    var snapshot: String?

    @Option(help: ArgumentHelp("Control endpoint (ROUTER).", valueName: "ENDPOINT"))
    var control: String?

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Encrypt every connection with CURVE and admit only the keyring's CURVE keys to ingest and control: on "
                + "unless the configuration says curve: false. --no-curve turns it off (plaintext, with a warning)."))
    var curve: Bool?

    @OptionGroup var logging: LogLevelOption

    func run() async throws {
        let logger = logging.bootstrap(label: "kaoping.aggregator")
        var settings = AggregatorConfiguration()
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw ValidationError("cannot read --config \(config); check the path")
            }
            do {
                settings = try AggregatorConfiguration.parse(text)
            } catch {
                throw ValidationError("\(config) is not a valid configuration: \(error)")
            }
        }
        if let store { settings.store = store }
        if let keyring { settings.keyring = keyring }
        if let identity { settings.identity = identity }
        if let catalog { settings.catalog = catalog }
        if let roster { settings.roster = roster }
        if let ingest { settings.endpoints.ingest = ingest }
        if let feed { settings.endpoints.feed = feed }
        if let snapshot { settings.endpoints.snapshot = snapshot }
        if let control { settings.endpoints.control = control }
        if let curve { settings.curve = curve }

        let aggregator = try await Aggregator.build(settings, logger: logger)
        let bound = aggregator.boundEndpoints
        let ready = "kaoping-aggregator ready ingest=\(bound.ingest) feed=\(bound.feed) snapshot=\(bound.snapshot) "
            + "control=\(bound.control) curve=\(settings.curve ? "on" : "off")\n"
        try await aggregator.run { FileHandle.standardOutput.write(Data(ready.utf8)) }
    }
}
