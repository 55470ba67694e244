import ArgumentParser
import Foundation
import KaopingClient
import KaopingWire
import ZeroMQ

/// Where the live feed and its snapshot are.
struct FeedOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The aggregator's feed endpoint (PUB).", valueName: "ENDPOINT"))
    var feed = "tcp://127.0.0.1:7402"

    @Option(help: ArgumentHelp("The aggregator's snapshot endpoint.", valueName: "ENDPOINT"))
    var snapshot = "tcp://127.0.0.1:7403"

    @Option(help: "The campaign id.")
    var campaign = "zhongshan-2023"

    @Option(help: ArgumentHelp(
        "The aggregator's keyring line or a file holding it; with its CURVE key the connection is encrypted.",
        valueName: "KEY"))
    var aggregatorKey: String?

    @Option(help: ArgumentHelp(
        "A viewer's key file (kaoping keygen --submitter viewer:NAME, listed in the aggregator's keyring) or the "
            + "operator's: only those read the results of an aggregator with CURVE on.",
        valueName: "FILE"))
    var key: String?

    func subscriber(context: Context) throws -> FeedSubscriber {
        var curve: CurveClient?
        if let serverKey = try aggregatorKey.map(AggregatorKey.parse)?.transportKey {
            guard let key else {
                throw CLIError(
                    "--aggregator-key names a CURVE key, so the connection is encrypted and only listed viewers read "
                        + "the results: pass --key with a viewer's key file (kaoping keygen --submitter viewer:NAME)")
            }
            let identity = try InputFile.files { () throws(CampaignFileError) in try CampaignFiles.signingKey(key) }
            guard let transport = identity.transport else {
                throw CLIError("\(key) has no CURVE keys; make the viewer's key with `kaoping keygen`")
            }
            curve = CurveClient(serverKey: serverKey, transport: transport)
        }
        return try FeedSubscriber(feed: feed, snapshot: snapshot, campaign: campaign, context: context, curve: curve)
    }
}

/// `kaoping watch`: the live ranking.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow the live ranking: a table redrawn as scores arrive, or one JSON line per update.",
        discussion: """
            On a terminal the table is redrawn in place. When standard output is a file or a pipe, each update is \
            one short line (as --brief), since a redrawn screen there is only control codes; --json gives a line \
            for programs, --once the table.
            """)

    @OptionGroup var feed: FeedOptions

    @Flag(help: "Print one JSON line per update, for other programs.")
    var json = false

    @Option(help: "How many top workers to show under the districts.")
    var workers = 10

    @Flag(help: "Print one short line per update (the default when standard output is not a terminal).")
    var brief = false

    @Flag(help: "Print the current ranking once and exit.")
    var once = false

    @Flag(help: "Stop once the ranking is final.")
    var untilFinal = false

    @Option(help: "Stop after this many seconds (0: never).")
    var seconds: Double = 0

    func run() throws {
        let context = try Context()
        let subscriber = try feed.subscriber(context: context)
        var view = RankingView()
        let end = seconds > 0 ? ContinuousClock.now + .seconds(seconds) : nil
        var lastSignOfLife = ContinuousClock.now
        var current: (UInt64, Kaoping_V1_Ranking)?
        var stale = false
        let brief = brief || (!once && isatty(STDOUT_FILENO) == 0)
        while end.map({ ContinuousClock.now < $0 }) ?? true {
            let event: FeedSubscriber.Event?
            do {
                event = try subscriber.next(timeout: 500)
            } catch let refused as HandshakeRefused {
                throw CLIError("\(refused); " + refused.remedy(control: false))  // no retry mends a setting
            } catch {
                event = nil  // the snapshot endpoint did not answer: the aggregator is down; keep trying
            }
            var redraw = false
            switch event {
            case .ranking(let sequence, let ranking, _):
                current = (sequence, ranking)
                lastSignOfLife = ContinuousClock.now
                redraw = true
            case .heartbeat:
                lastSignOfLife = ContinuousClock.now
                if stale { redraw = true }
            case nil:
                break
            }
            let silent = ContinuousClock.now - lastSignOfLife > .seconds(3)
            if silent != stale {
                stale = silent
                redraw = true
            }
            guard redraw, let (sequence, ranking) = current else { continue }
            // Written straight to the descriptor (not buffered), so that each update shows at once, even in a pipe.
            let text: String
            if json {
                text = RankingView.jsonLine(ranking, sequence: sequence) + "\n"
            } else if brief {
                text = RankingView.briefLine(ranking, sequence: sequence) + "\n"
            } else if once {
                text = view.table(ranking, sequence: sequence, stale: stale, workers: workers)
            } else {
                text = "\u{1B}[H\u{1B}[2J" + view.table(ranking, sequence: sequence, stale: stale, workers: workers)
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            if once { return }
            if untilFinal, ranking.final { return }
        }
    }
}

/// `kaoping export`: the current ranking and grades as CSV or JSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the current ranking and grades of districts and workers (CSV with a UTF-8 BOM, or JSON).")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv
        case json
    }

    @OptionGroup var feed: FeedOptions

    @Option(help: "csv or json.")
    var format: Format = .csv

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "FILE"))
    var out: String?

    func run() throws {
        let context = try Context()
        let subscriber = try feed.subscriber(context: context)
        let ranking: Kaoping_V1_Ranking
        do {
            guard case .ranking(_, let snapshot, _) = try subscriber.resnapshot(timeout: 10_000) else {
                throw CLIError("no ranking from \(feed.snapshot)")
            }
            ranking = snapshot
        } catch let error as WireError {
            throw CLIError("\(feed.snapshot): \(error.message)")
        } catch let refused as HandshakeRefused {
            throw CLIError("\(refused); " + refused.remedy(control: false))
        }
        let text = format == .csv ? RankingView.csv(ranking) : RankingView.json(ranking)
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
                throw CLIError("cannot write \(out); check the folder and its permissions")
            }
            print("wrote \(ranking.districts.count) districts and \(ranking.workers.count) workers to \(out)"
                + (ranking.final ? "" : " (provisional)"))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
