import Foundation
import HummingbirdBcrypt

/// What a signed-in person may read in the web console.
public enum Role: Hashable, Sendable, CustomStringConvertible {
    /// Everything, read-only: the ranking, completeness, every district's record.
    case leadership
    /// What leadership reads, and the detail of completeness: refusals with their reasons, who owes what.
    case `operator`
    /// One district's own results and record only (`district:D05`).
    case district(String)

    /// As written in the accounts file: `leadership`, `operator`, `district:D05`.
    public var description: String {
        switch self {
        case .leadership: return "leadership"
        case .operator: return "operator"
        case .district(let id): return "district:\(id)"
        }
    }

    public init?(_ text: String) {
        switch text {
        case "leadership": self = .leadership
        case "operator": self = .operator
        default:
            guard text.hasPrefix("district:"), text.count > "district:".count else { return nil }
            self = .district(String(text.dropFirst("district:".count)))
        }
    }

    /// Whether this role reads `district`'s results and record.
    public func reads(district id: String) -> Bool {
        if case .district(let own) = self { return own == id }
        return true
    }

    /// The district this role is confined to, if it is.
    public var district: String? {
        if case .district(let id) = self { return id }
        return nil
    }
}

/// A web console account: a name, a role and a bcrypt hash of the password.
public struct Account: Hashable, Sendable {
    public let name: String
    public let role: Role
    public let passwordHash: String

    public init(name: String, role: Role, passwordHash: String) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
    }

    /// Whether `password` is this account's (bcrypt; about a quarter of a second on purpose).
    public func verify(password: String) -> Bool { Bcrypt.verify(password, hash: passwordHash) }
}

/// The accounts file: one account a line, `NAME ROLE BCRYPT_HASH`, `#` comments. Kept by
/// `kaoping web users add|remove|passwd|list`, read by `kaoping-web` (again on every change of the file). Written
/// with mode 0600: the hashes are slow to test, not secret-proof.
public struct AccountFile: Sendable {
    public private(set) var accounts: [Account]

    public init(accounts: [Account] = []) { self.accounts = accounts }

    /// The rules a name follows: 1 to 64 letters, digits (any script) or `.`, `_`, `-`, `@`.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)
            }
    }

    /// Parses the file's text; `path` names it in messages.
    public init(parsing text: String, path: String) throws(AccountFileError) {
        var accounts: [Account] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if words.isEmpty { continue }
            func failure(_ problem: String) -> AccountFileError {
                AccountFileError("\(path):\(index + 1): \(problem); fix the line or remake it with `kaoping web users`")
            }
            guard words.count == 3 else { throw failure("expected NAME ROLE HASH, found \(words.count) words") }
            guard Self.isValidName(words[0]) else { throw failure("\(words[0].debugDescription) is not a valid name") }
            guard let role = Role(words[1]) else {
                throw failure("unknown role \(words[1].debugDescription) (leadership, operator or district:Dxx)")
            }
            guard words[2].hasPrefix("$2") else { throw failure("the password hash is not a bcrypt hash") }
            guard !accounts.contains(where: { $0.name == words[0] }) else {
                throw failure("\(words[0]) is listed twice")
            }
            accounts.append(Account(name: words[0], role: role, passwordHash: words[2]))
        }
        self.accounts = accounts
    }

    /// The file at `path`; an empty list when it does not exist yet and `missingIsEmpty`.
    public static func load(_ path: String, missingIsEmpty: Bool = false) throws(AccountFileError) -> AccountFile {
        guard FileManager.default.fileExists(atPath: path) else {
            if missingIsEmpty { return AccountFile() }
            throw AccountFileError(
                "\(path) does not exist; make the first account with `kaoping web users add NAME --role leadership "
                    + "--accounts \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AccountFileError("cannot read \(path); check its permissions")
        }
        return try AccountFile(parsing: String(decoding: data, as: UTF8.self), path: path)
    }

    public func account(named name: String) -> Account? { accounts.first { $0.name == name } }

    /// Adds `account`, or replaces the account of that name.
    public mutating func set(_ account: Account) {
        if let index = accounts.firstIndex(where: { $0.name == account.name }) {
            accounts[index] = account
        } else {
            accounts.append(account)
        }
    }

    /// Removes the account named `name`; false when there is none.
    public mutating func remove(named name: String) -> Bool {
        guard let index = accounts.firstIndex(where: { $0.name == name }) else { return false }
        accounts.remove(at: index)
        return true
    }

    public var text: String {
        "# Kaoping web console accounts: NAME ROLE BCRYPT_HASH. Keep with `kaoping web users`.\n"
            + accounts.map { "\($0.name) \($0.role) \($0.passwordHash)\n" }.joined()
    }

    /// Writes the file whole (a temporary file renamed over it), readable by its owner only.
    public func save(_ path: String) throws(AccountFileError) {
        let temporary = path + ".tmp"
        let written = FileManager.default.createFile(
            atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        guard written, rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw AccountFileError("cannot write \(path); check that its folder exists and is writable")
        }
    }

    /// A bcrypt hash of `password` (cost 12).
    public static func hash(password: String) -> String { Bcrypt.hash(password, cost: 12) }
}

/// What is wrong with an accounts file, and what to do.
public struct AccountFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
