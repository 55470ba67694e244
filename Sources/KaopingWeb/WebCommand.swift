import ArgumentParser
import Foundation
import Hummingbird
import KaopingAccounts
import KaopingCore
import KaopingLogging
import KaopingWire
import Logging
import ServiceLifecycle

/// `kaoping-web`: the web console. One more subscriber of the aggregator's feed, on the aggregator's host, behind
/// nginx for TLS (deploy/nginx/kaoping-web.conf).
public struct WebCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kaoping-web",
        abstract: "The web console: the live ranking, completeness and each district's record, for signed-in people.",
        discussion: """
            Follows the aggregator's feed with a viewer key (kaoping keygen --submitter viewer:web, listed in the \
            aggregator's keyring), asks its control endpoint who owes what, and reads its store read-only for each \
            district's signed cells and history (so it runs on the aggregator's host). Accounts: \
            `kaoping web users add NAME --role leadership|operator|district:Dxx`. When listening, prints \
            `kaoping-web ready url=http://HOST:PORT/`.
            """)

    @Option(help: "The address to listen on; keep 127.0.0.1 and put nginx with TLS in front (docs/web.md).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed on the ready line).")
    var port = 8080

    @Option(help: ArgumentHelp("The accounts file (kaoping web users).", valueName: "FILE"))
    var accounts = "/etc/kaoping/web-accounts"

    @Option(help: ArgumentHelp("The aggregator's feed endpoint (PUB).", valueName: "ENDPOINT"))
    var feed = "tcp://127.0.0.1:7402"

    @Option(help: ArgumentHelp("The aggregator's snapshot endpoint.", valueName: "ENDPOINT"))
    var snapshot = "tcp://127.0.0.1:7403"

    @Option(help: ArgumentHelp("The aggregator's control endpoint (for who owes what).", valueName: "ENDPOINT"))
    var control = "tcp://127.0.0.1:7404"

    @Option(help: ArgumentHelp(
        "The aggregator's keyring line or a file holding it; with its CURVE key the connections are encrypted.",
        valueName: "KEY"))
    var aggregatorKey: String?

    @Option(help: ArgumentHelp(
        "The console's viewer key file (kaoping keygen --submitter viewer:web), listed in the aggregator's keyring.",
        valueName: "FILE"))
    var key: String?

    @Option(help: ArgumentHelp(
        "The aggregator's store, read-only, for each district's signed cells and history.", valueName: "FILE"))
    var store: String?

    @Option(help: ArgumentHelp(
        "The aggregator's keyring: the history shows whether each signature verifies.", valueName: "FILE"))
    var keyring: String?

    @Option(help: ArgumentHelp("The catalog the aggregator runs; the built-in one when omitted.", valueName: "FILE"))
    var catalog: String?

    @Flag(help: "Mark cookies Secure and send Strict-Transport-Security: set when people reach the console by https.")
    var secureCookies = false

    @Option(help: ArgumentHelp(
        "A file holding a token that opens /metrics to other machines (Authorization: Bearer TOKEN).",
        valueName: "FILE"))
    var metricsTokenFile: String?

    @Option(help: "Hours a session lasts.")
    var sessionHours: Double = 8

    @OptionGroup var logging: LogLevelOption

    public init() {}

    public func run() async throws {
        let logger = logging.bootstrap(label: "kaoping.web")
        let console = try makeConsole(logger: logger)
        let follower = FeedFollower(
            connection: try connection(campaign: console.catalog.campaign), live: console.live, clock: console.clock,
            logger: logger)
        var services: [any Service] = [follower]
        if let records = console.records {
            console.live.seedFilled((try? records.filledOverTime()) ?? [])
            services.append(StoreFollower(records: records, logger: logger))
        }
        let (host, port) = (host, port)
        let application = Application(
            router: console.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "kaoping-web"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? port
                FileHandle.standardOutput.write(Data("kaoping-web ready url=http://\(host):\(port)/\n".utf8))
            },
            logger: logger)
        try await application.runService()
    }

    func connection(campaign: String) throws -> AggregatorConnection {
        do {
            let aggregator = try aggregatorKey.map { key throws(CampaignFileError) in
                try CampaignFiles.aggregatorKey(key, option: "--aggregator-key")
            }
            let viewer = try key.map { path throws(CampaignFileError) in try CampaignFiles.signingKey(path) }
            if aggregator?.transportKey != nil, viewer?.transport == nil {
                throw ValidationError(
                    "--aggregator-key names a CURVE key, so only listed viewers read the results: pass --key with the "
                        + "console's viewer key (kaoping keygen --submitter viewer:web, listed in the keyring)")
            }
            return AggregatorConnection(
                feed: feed, snapshot: snapshot, control: control, campaign: campaign, aggregator: aggregator,
                viewer: viewer)
        } catch let error as CampaignFileError {
            throw ValidationError(error.message)
        }
    }

    func makeConsole(logger: Logger) throws -> WebConsole {
        let clock = SystemClock()
        do {
            let catalog = try CampaignFiles.catalog(self.catalog)
            let keyring = try self.keyring.map { path throws(CampaignFileError) in try CampaignFiles.keyring(path) }
            let records = try store.map { path in
                do {
                    return try StoreRecords(path: path, catalog: catalog, keyring: keyring)
                } catch {
                    throw ValidationError("--store \(path): \(error)")
                }
            }
            let accounts: Accounts
            do {
                accounts = try Accounts(path: self.accounts)
            } catch {
                throw ValidationError(error.message)
            }
            let token = try metricsTokenFile.map { path throws(CampaignFileError) in
                try CampaignFiles.text(path, what: "metrics token").trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return WebConsole(
                settings: WebSettings(host: host, port: port, secureCookies: secureCookies, metricsToken: token),
                catalog: catalog, live: LiveRanking(),
                sessions: Sessions(lifetime: .milliseconds(Int64(sessionHours * 3_600_000))),
                accounts: accounts, records: records,
                status: StatusSource(connection: try connection(campaign: catalog.campaign), clock: clock),
                clock: clock, logger: logger)
        } catch let error as CampaignFileError {
            throw ValidationError(error.message)
        }
    }
}
