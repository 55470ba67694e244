import ArgumentParser
import Foundation
import KaopingClient
import KaopingCore
import KaopingWire

/// `kaoping feedback`: the findings departments raised, the districts' plans and the reviews (§五(二)).
struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "List, show and export findings and their rectification plans (overdue ones first to see).",
        subcommands: [List.self, Show.self, Export.self])

    /// What every subcommand asks with.
    struct Options: ParsableArguments {
        @OptionGroup var control: ControlOptions

        @Option(
            help: ArgumentHelp(
                "The catalog the aggregator runs (for names); the built-in one when omitted.",
                valueName: "FILE"))
        var catalog: String?

        @Option(help: ArgumentHelp("Only this district's findings (D05, 居民区05).", valueName: "ID"))
        var district: String?

        @Option(help: ArgumentHelp("Only the findings this department raised.", valueName: "SUBMITTER"))
        var department: String?

        @Option(
            help: ArgumentHelp(
                "Only findings in this state: raised, planned, accepted, returned, rectified, reopened, open or "
                    + "overdue; repeat for several.", valueName: "STATE"))
        var state: [String] = []

        /// The findings the query asks for, and the catalog to name them by.
        func fetch(findingID: String = "") throws -> (list: Kaoping_V1_FeedbackList, catalog: Catalog) {
            let catalog = try CatalogSource.load(self.catalog)
            var query = Kaoping_V1_FeedbackQuery()
            if let district {
                guard let id = catalog.districtID(typed: district) else {
                    throw CLIError(
                        "district '\(district)' is not in \(catalog.campaign); `kaoping catalog show` lists them")
                }
                query.district = id
            }
            query.department = department ?? ""
            query.states = state
            query.findingID = findingID
            return (try control.feedback(query), catalog)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per finding: where it stands, who owes what.")

        @OptionGroup var options: Options

        func run() throws {
            let (list, catalog) = try options.fetch()
            let items = FeedbackListing.items(of: list)
            var table = TextTable([
                .init("编号"), .init("居民区"), .init("部门"), .init("指标"), .init("状态"), .init("期限"), .init("下一步"),
            ])
            for item in items {
                table.append([
                    item.finding.id, item.finding.district, item.finding.submitter,
                    catalog.indicator(item.finding.indicator)?.shortLabel ?? "",
                    item.state.label + (item.listed.overdue ? " 逾期" : ""), item.listed.due, item.listed.owedBy,
                ])
            }
            print(table.render(), terminator: "")
            let open = items.filter(\.state.isOpen).count
            print(
                "\(items.count) finding(s): \(open) open, \(items.filter(\.listed.overdue).count) overdue "
                    + "(as of \(list.today))"
                    + (list.truncated ? "; more were left out: narrow with --district or --state" : ""))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One finding with its whole signed history: each message, who signed it with which key, when.")

        @OptionGroup var options: Options

        @Argument(help: "The finding's id.")
        var id: String

        func run() throws {
            let (list, catalog) = try options.fetch(findingID: id)
            guard let item = FeedbackListing.items(of: list).first else {
                throw CLIError("no finding \(id) (or none your key may read); `kaoping feedback list` shows the ids")
            }
            print(FeedbackListing(catalog: catalog).text(item, today: list.today), terminator: "")
            print("\n签名记录 (signed history):")
            let time = ChinaTime.printer()
            for (step, entry) in item.history {
                let envelope = try? SignedEnvelope.decode(entry.envelope)
                print(
                    "  step \(entry.step)  \(step.kind) \(step.id)  signed by \(entry.submitter) with key "
                        + "\(envelope?.keyID ?? "?")  committed \(time(Timestamp(milliseconds: entry.committedAtMs)))  "
                        + "envelope sha256 \(entry.envelope.sha256.hex)")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every finding as CSV (UTF-8 with a BOM, for Excel and WPS): state, plan, latest reason.")

        @OptionGroup var options: Options

        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "FILE"))
        var out: String?

        func run() throws {
            let (list, catalog) = try options.fetch()
            let items = FeedbackListing.items(of: list)
            let text = FeedbackListing(catalog: catalog).findingsCSV(items)
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
                    throw CLIError("cannot write \(out); check the folder and its permissions")
                }
                print("wrote \(items.count) finding(s) to \(out)")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
