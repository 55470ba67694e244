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

extension CampaignFiles {
    /// The aggregator's public keys from `argument`: its Ed25519 key as base64, or its keyring line
    /// (`aggregator ED25519_BASE64 [CURVE_BASE64]`, as `kaoping keygen` printed it), or a file holding either or its
    /// key file. `option` names the argument in messages (`--aggregator-key`).
    public static func aggregatorKey(_ argument: String, option: String) throws(CampaignFileError) -> Keyring.Entry {
        var text = argument
        if FileManager.default.fileExists(atPath: argument) {
            let data = try data(argument, what: "aggregator key")
            if let identity = try? KeyFile.parse(data) {
                return Keyring.Entry(
                    submitter: identity.submitter, publicKey: identity.publicKey,
                    transportKey: identity.transport?.publicKey)
            }
            text = String(decoding: data, as: UTF8.self)
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // saved as "UTF-8 with BOM"
        }
        // The first line that is not blank once its comment is cut (a file may start with a comment line).
        let line = text.split(whereSeparator: \.isNewline)
            .map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
            .first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        let keys = words.first.map { $0.hasPrefix("aggregator") } == true ? Array(words.dropFirst()) : words
        guard let first = keys.first, let key = try? KeyFile.publicKey(base64: first) else {
            throw CampaignFileError(
                "\(option) is neither the aggregator's base64 public key, nor its keyring line, nor a file holding one")
        }
        var transport: Data?
        if keys.count > 1 {
            guard let raw = Data(base64Encoded: keys[1]), raw.count == 32 else {
                throw CampaignFileError("\(option): the CURVE key is not a base64 32-byte key")
            }
            transport = raw
        }
        return Keyring.Entry(submitter: "aggregator", publicKey: key, transportKey: transport)
    }
}
