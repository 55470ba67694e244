import ArgumentParser
import KaopingCore
import KaopingWire

/// `--catalog FILE` and `--roster FILE`, shared by the commands that apply the rules.
struct RulesOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A catalog file (YAML); the built-in zhongshan-2023 when omitted.",
        valueName: "FILE"))
    var catalog: String?

    @Option(name: .long, help: ArgumentHelp("Workers as CSV with the header id,name,district; no workers when omitted.",
        valueName: "FILE"))
    var roster: String?

    /// The catalog named by `--catalog`, or the built-in one.
    func loadCatalog() throws(CLIError) -> Catalog {
        try CatalogSource.load(catalog)
    }

    /// The roster named by `--roster`, checked against `catalog`, or no workers.
    func loadRoster(catalog: Catalog) throws(CLIError) -> Roster {
        try InputFile.files { () throws(CampaignFileError) in try CampaignFiles.roster(roster, catalog: catalog) }
    }
}

/// Loads catalog files for every command.
enum CatalogSource {
    /// The catalog file at `path`, or the built-in zhongshan-2023 when there is none.
    static func load(_ path: String?) throws(CLIError) -> Catalog {
        try InputFile.files { () throws(CampaignFileError) in try CampaignFiles.catalog(path) }
    }
}
