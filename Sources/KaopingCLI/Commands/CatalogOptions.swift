import ArgumentParser
import KaopingCore

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
        guard let roster else { return .empty }
        let text = try InputFile.text(roster, what: "roster")
        do {
            return try Roster(csv: text, catalog: catalog)
        } catch {
            throw CLIError("\(roster): \(error); fix the roster and run again")
        }
    }
}

/// Loads catalog files for every command.
enum CatalogSource {
    /// The catalog file at `path`, or the built-in zhongshan-2023 when there is none.
    static func load(_ path: String?) throws(CLIError) -> Catalog {
        guard let path else { return .zhongshan2023 }
        return try load(path)
    }

    static func load(_ path: String) throws(CLIError) -> Catalog {
        let text = try InputFile.text(path, what: "catalog")
        do {
            return try CatalogFile.parse(text)
        } catch {
            throw CLIError("\(path):\(error.line): \(error.field.isEmpty ? "" : "\(error.field): ")\(error.message)")
        }
    }
}
