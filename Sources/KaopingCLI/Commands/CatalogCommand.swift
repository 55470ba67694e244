import ArgumentParser
import KaopingCore

/// `kaoping catalog show|check`: the rules as a file people can read and edit.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Show the built-in catalog or check a catalog file.",
        subcommands: [Show.self, Check.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a catalog as YAML (the built-in zhongshan-2023 unless --catalog is given).")

        @Option(name: .long, help: ArgumentHelp("A catalog file to print in normal form.", valueName: "FILE"))
        var catalog: String?

        func run() throws {
            print(CatalogFile.render(try CatalogSource.load(catalog)), terminator: "")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a catalog file; on a problem, name the line and field and say what to fix.")

        @Argument(help: ArgumentHelp("The catalog file (YAML).", valueName: "FILE"))
        var file: String

        func run() throws {
            let catalog = try CatalogSource.load(file)
            let workers = catalog.workerIndicators.count
            print(
                "\(file): ok — campaign \(catalog.campaign), \(catalog.districts.count) districts, "
                    + "\(catalog.indicators.count - workers) district indicators, \(workers) worker indicators, "
                    + "\(catalog.hotline.periods.count) hotline months")
        }
    }
}
