import ArgumentParser
import Foundation
import KaopingAccounts
import KaopingCore

/// `kaoping web`: what the web console needs from the command line.
struct WebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Manage the web console (kaoping-web): its accounts.",
        subcommands: [WebUsersCommand.self])
}

/// `kaoping web users`: the accounts of the web console.
struct WebUsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Add, remove, list the web console's accounts and set their passwords.",
        discussion: """
            Roles: leadership (reads everything), operator (also refusals and who owes what), district:Dxx (its own \
            district only). The console reads the file again when it changes: no restart is needed.
            """,
        subcommands: [Add.self, Remove.self, Passwd.self, List.self])

    struct FileOption: ParsableArguments {
        @Option(help: ArgumentHelp("The accounts file kaoping-web reads.", valueName: "FILE"))
        var accounts = "/etc/kaoping/web-accounts"

        func load(missingIsEmpty: Bool = false) throws -> AccountFile {
            do {
                return try AccountFile.load(accounts, missingIsEmpty: missingIsEmpty)
            } catch {
                throw CLIError(error.message)
            }
        }

        /// The file, which must hold an account named `name`.
        func load(holding name: String) throws -> (file: AccountFile, account: Account) {
            let file = try load()
            guard let account = file.account(named: name) else {
                throw CLIError("no account \(name) in \(accounts); `kaoping web users list` shows them")
            }
            return (file, account)
        }

        func save(_ file: AccountFile) throws {
            do {
                try file.save(accounts)
            } catch {
                throw CLIError(error.message)
            }
        }
    }

    struct PasswordOption: ParsableArguments {
        @Flag(help: "Read the password from the first line of standard input (for scripts) instead of asking.")
        var passwordStdin = false

        /// The new password: asked twice at the terminal, or read from standard input.
        func read() throws -> String {
            let password: String
            if passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            } else {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw CLIError("no terminal to ask the password at: pass --password-stdin and give it on stdin")
                }
                let first = String(cString: getpass("Password: "))
                let second = String(cString: getpass("Again: "))
                guard first == second else { throw CLIError("the two passwords differ; nothing was changed") }
                password = first
            }
            guard password.count >= 8 else {
                throw CLIError("the password must have at least 8 characters; nothing was changed")
            }
            return password
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account.")

        @Argument(help: "The account's name (letters, digits, . _ - @).")
        var name: String

        @Option(help: ArgumentHelp("leadership, operator or district:Dxx.", valueName: "ROLE"))
        var role: String

        @Option(help: ArgumentHelp(
            "The catalog the aggregator runs (district ids are checked against it); the built-in one when omitted.",
            valueName: "FILE"))
        var catalog: String?

        @OptionGroup var file: FileOption
        @OptionGroup var password: PasswordOption

        func run() throws {
            guard AccountFile.isValidName(name) else {
                throw CLIError("\(name.debugDescription) is not a valid name: 1 to 64 letters, digits or . _ - @")
            }
            guard var parsed = Role(role) else {
                throw CLIError("unknown role \(role.debugDescription): give leadership, operator or district:Dxx")
            }
            if let district = parsed.district {
                let catalog = try CatalogSource.load(self.catalog)
                guard let id = catalog.districtID(typed: district) else {
                    throw CLIError(
                        "no district \(district) in the catalog \(catalog.campaign); `kaoping catalog show` lists them")
                }
                parsed = .district(id)
            }
            var accounts = try file.load(missingIsEmpty: true)
            guard accounts.account(named: name) == nil else {
                throw CLIError("\(name) already has an account; `kaoping web users passwd \(name)` sets its password")
            }
            let secret = try password.read()
            accounts.set(Account(name: name, role: parsed, passwordHash: AccountFile.hash(password: secret)))
            try file.save(accounts)
            print("added \(name) (\(parsed)) to \(file.accounts)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an account; its sessions end at its next request.")

        @Argument var name: String
        @OptionGroup var file: FileOption

        func run() throws {
            var accounts = try file.load(holding: name).file
            _ = accounts.remove(named: name)
            try file.save(accounts)
            print("removed \(name) from \(file.accounts)")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an account's password; its sessions end at their next request.")

        @Argument var name: String
        @OptionGroup var file: FileOption
        @OptionGroup var password: PasswordOption

        func run() throws {
            let (loaded, account) = try file.load(holding: name)
            var accounts = loaded
            let secret = try password.read()
            accounts.set(Account(name: name, role: account.role, passwordHash: AccountFile.hash(password: secret)))
            try file.save(accounts)
            print("set the password of \(name)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts and their roles.")

        @OptionGroup var file: FileOption

        func run() throws {
            let accounts = try file.load()
            for account in accounts.accounts { print("\(account.name)\t\(account.role)") }
        }
    }
}
