import Foundation
import KaopingAccounts
import KaopingTestSupport
import Testing

/// `kaoping web users`, run as an operator would: each mistake refused in a line that says what to do, nothing
/// written; a removed account or a new password in the file the console reads.
@Suite struct WebUsersTests {
    func run(_ arguments: [String], accounts: String, password: String? = nil) throws -> KaopingExecutableTests.Run {
        try KaopingExecutableTests.run(
            ["web", "users"] + arguments + ["--accounts", accounts] + (password == nil ? [] : ["--password-stdin"]),
            stdin: password.map { $0 + "\n" })
    }

    @Test func mistakesAreRefusedAndTheFileKeepsWhatItHad() throws {
        let accounts = try Scratch.path("web-accounts")
        #expect(try run(["add", "zhang", "--role", "leadership"], accounts: accounts, password: "long-enough").status
            == 0)
        let before = try String(contentsOfFile: accounts, encoding: .utf8)
        let refusals: [([String], String?, String)] = [
            (["add", "li", "--role", "boss"], "long-enough", "unknown role"),
            (["add", "li", "--role", "district:D99"], "long-enough", "no district D99"),
            (["add", "li", "--role", "operator"], "short", "at least 8 characters"),
            (["add", "zhang", "--role", "operator"], "long-enough", "already has an account"),
            (["add", "li wei", "--role", "operator"], "long-enough", "not a valid name"),
            (["remove", "li"], nil, "no account li"),
            (["passwd", "li"], "long-enough", "no account li"),
        ]
        for (arguments, password, words) in refusals {
            let refused = try run(arguments, accounts: accounts, password: password)
            #expect(refused.status != 0 && refused.stderr.contains(words), "\(arguments): \(refused.stderr)")
        }
        #expect(try String(contentsOfFile: accounts, encoding: .utf8) == before)
        let mode = try FileManager.default.attributesOfItem(atPath: accounts)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aDistrictTypedAsClerksTypeItIsTheCatalogsAndPasswordsChange() throws {
        let accounts = try Scratch.path("web-accounts")
        #expect(try run(["add", "d05", "--role", "district:d05"], accounts: accounts, password: "first-pass").status
            == 0)
        let first = try #require(try AccountFile.load(accounts).account(named: "d05"))
        #expect(first.role == .district("D05") && first.verify(password: "first-pass"))
        #expect(try run(["passwd", "d05"], accounts: accounts, password: "second-pass").status == 0)
        let second = try #require(try AccountFile.load(accounts).account(named: "d05"))
        #expect(second.verify(password: "second-pass") && !second.verify(password: "first-pass"))
        #expect(try run(["list"], accounts: accounts).stdout == "d05\tdistrict:D05\n")
        #expect(try run(["remove", "d05"], accounts: accounts).status == 0)
        #expect(try AccountFile.load(accounts).accounts.isEmpty)
    }
}
