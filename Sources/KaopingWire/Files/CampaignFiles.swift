import Foundation
import KaopingCore

/// Why a campaign file cannot be used, in one format for every program: `cannot read the <what> <path>: <problem>;
/// <what to do>` when the file cannot be read, and `<path>:<line>: <problem>` when it reads but cannot be used.
public struct CampaignFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Reads the files a campaign runs on — catalog, roster, key files and keyrings — for the aggregator, the agent and
/// the `kaoping` commands alike. The parsing and the rules are KaopingCore's and KaopingWire's; this adds the file
/// and one way of saying what is wrong with it.
public enum CampaignFiles {
    /// The bytes of the file at `path`; `what` names it for a person (`catalog`, `key file`).
    public static func data(_ path: String, what: String) throws(CampaignFileError) -> Data {
        func failure(_ problem: String) -> CampaignFileError {
            CampaignFileError("cannot read the \(what) \(path): \(problem)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file; check the path")
        }
        guard !isDirectory.boolValue else { throw failure("it is a folder; name a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure("permission denied or unreadable; check its permissions")
        }
        return data
    }

    /// The UTF-8 text of the file at `path` (a leading BOM is left for the parser, which drops it).
    public static func text(_ path: String, what: String) throws(CampaignFileError) -> String {
        guard let text = String(data: try data(path, what: what), encoding: .utf8) else {
            throw CampaignFileError(
                "cannot read the \(what) \(path): it is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in Excel)")
        }
        return text
    }

    /// The catalog file at `path`, or the built-in zhongshan-2023 catalog when there is none.
    public static func catalog(_ path: String?) throws(CampaignFileError) -> Catalog {
        guard let path else { return .zhongshan2023 }
        let text = try text(path, what: "catalog")
        do {
            return try CatalogFile.parse(text)
        } catch {
            throw CampaignFileError(
                "\(path):\(error.line): \(error.field.isEmpty ? "" : "\(error.field): ")\(error.message)")
        }
    }

    /// The roster file at `path`, checked against `catalog`, or no workers when there is none.
    public static func roster(_ path: String?, catalog: Catalog) throws(CampaignFileError) -> Roster {
        guard let path else { return .empty }
        let text = try text(path, what: "roster")
        do {
            return try Roster(csv: text, catalog: catalog)
        } catch {
            throw CampaignFileError("\(path):\(error.line): \(error.message)")
        }
    }

    /// The secret key file at `path`.
    public static func signingKey(_ path: String) throws(CampaignFileError) -> SigningIdentity {
        let data = try data(path, what: "key file")
        do {
            return try KeyFile.parse(data)
        } catch {
            throw CampaignFileError("\(path): \(error.message)")
        }
    }

    /// The keyring file at `path`.
    public static func keyring(_ path: String) throws(CampaignFileError) -> Keyring {
        try keyring(parsing: try text(path, what: "keyring"), path: path)
    }

    /// A keyring read from `path` already, as its text.
    public static func keyring(parsing text: String, path: String) throws(CampaignFileError) -> Keyring {
        do {
            return try Keyring(parsing: text)
        } catch {
            throw CampaignFileError("\(path):\(error.line.map { "\($0):" } ?? "") \(error.message)")
        }
    }
}
