import ArgumentParser
import Foundation
import KaopingWire
import ZeroMQ

/// `kaoping keygen`: a new Ed25519 key for a submitter.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract:
            "Create a submitter's key file (Ed25519 signing key and CURVE transport key) and print its keyring line.")

    @Option(
        help: ArgumentHelp(
            "The submitter id the key proves: party_office, leader:D07, operator, aggregator, or viewer:NAME for a "
                + "key that only reads the results."))
    var submitter: String

    @Option(help: ArgumentHelp("Where to write the key file (readable by its owner only).", valueName: "FILE"))
    var out: String

    @Flag(help: "Replace an existing key file.")
    var force = false

    func validate() throws {
        guard !submitter.isEmpty, !submitter.contains(where: \.isWhitespace) else {
            throw ValidationError("--submitter must be an id without spaces, such as party_office or leader:D07")
        }
        if !force, FileManager.default.fileExists(atPath: out) {
            throw ValidationError(
                "\(out) already exists; keep it, or pass --force to replace it (the old key stops working)")
        }
    }

    func run() throws {
        let curve = try CurveKeyPair.generate()
        let identity = SigningIdentity.generate(
            for: submitter, transport: TransportKeys(publicKey: curve.publicKey, secretKey: curve.secretKey))
        let text = KeyFile.render(identity)
        guard FileManager.default.createFile(
            atPath: out, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CLIError("cannot write \(out); check that its folder exists and is writable")
        }
        print(Keyring.line(for: identity))
    }
}

/// `kaoping keys list|add|revoke|reload`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List and add keyring entries; revoke a key or reload the keyring on a running aggregator.",
        subcommands: [List.self, Add.self, Revoke.self, Reload.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys of a keyring file.")

        @Option(help: ArgumentHelp("The keyring file.", valueName: "FILE"))
        var keyring: String

        func run() throws {
            let keyring = try InputFile.files { () throws(CampaignFileError) in
                try CampaignFiles.keyring(self.keyring)
            }
            var table = TextTable([.init("submitter"), .init("key id"), .init("public key")])
            for entry in keyring.entries.values.sorted(by: { ($0.submitter, $0.keyID) < ($1.submitter, $1.keyID) }) {
                let publicKey = entry.publicKey.rawRepresentation.base64EncodedString()
                table.append([entry.submitter, entry.keyID.rawValue, publicKey])
            }
            print(table.render(), terminator: "")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a public key to a keyring file; then run `kaoping keys reload` on the aggregator.")

        @Option(help: ArgumentHelp("The keyring file (created if absent).", valueName: "FILE"))
        var keyring: String

        @Option(help: "The submitter id the key proves.")
        var submitter: String

        @Option(help: "The public key, base64 (as printed by `kaoping keygen`).")
        var publicKey: String

        @Option(help: "The CURVE public key, base64 (the third word of the line `kaoping keygen` printed).")
        var curveKey: String?

        func run() throws {
            let key: Keyring.Entry
            do {
                key = Keyring.Entry(submitter: submitter, publicKey: try KeyFile.publicKey(base64: publicKey))
            } catch {
                throw CLIError("\(error.message); copy the key exactly as `kaoping keygen` printed it")
            }
            if let curveKey, Data(base64Encoded: curveKey)?.count != 32 {
                throw CLIError(
                    "--curve-key is not a base64 32-byte key; copy it exactly as `kaoping keygen` printed it")
            }
            var text =
                FileManager.default.fileExists(atPath: keyring) ? try InputFile.text(keyring, what: "keyring") : ""
            let existing = try InputFile.files { () throws(CampaignFileError) in
                try CampaignFiles.keyring(parsing: text, path: keyring)
            }
            if let entry = existing.entry(key.keyID) {
                throw CLIError("key \(key.keyID) is already in \(keyring) for \(entry.submitter); nothing to add")
            }
            // The last line ended first (CR LF is one `Character`: a Windows file does not end in "\n" for Swift).
            if !text.isEmpty, !text.hasSuffix("\n"), !text.hasSuffix("\r\n") { text += "\n" }
            text += "\(submitter) \(publicKey)\(curveKey.map { " " + $0 } ?? "")  # key \(key.keyID)\n"
            guard FileManager.default.createFile(atPath: keyring, contents: Data(text.utf8)) else {
                throw CLIError("cannot write \(keyring); check its permissions")
            }
            print("added key \(key.keyID) for \(submitter) to \(keyring); run `kaoping keys reload` to apply it")
            if curveKey == nil {
                let note = "note: without --curve-key this key cannot connect to an aggregator with CURVE on (the "
                    + "default); add the third word of the line `kaoping keygen` printed to its line in the keyring\n"
                FileHandle.standardError.write(Data(note.utf8))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key on the running aggregator, at once and audited; earlier accepted scores stand.")

        @OptionGroup var control: ControlOptions

        @Option(help: "The key id to revoke (see `kaoping keys list`).")
        var keyId: String

        @Option(help: "Why, for the audit log.")
        var reason: String

        func run() throws {
            var request = Kaoping_V1_ControlRequest()
            var revoke = Kaoping_V1_RevokeKeyRequest()
            revoke.keyID = keyId
            revoke.reason = reason
            request.revokeKey = revoke
            let reply = try control.call(request, signed: true)
            print("revoked key \(keyId) of \(reply.revokeKey.submitter)")
        }
    }

    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the running aggregator re-read its keyring file (audited).")

        @OptionGroup var control: ControlOptions

        func run() throws {
            var request = Kaoping_V1_ControlRequest()
            request.reloadKeyring = Kaoping_V1_ReloadKeyringRequest()
            let reply = try control.call(request, signed: true)
            print("keyring reloaded: \(reply.reloadKeyring.keys) keys")
        }
    }
}
