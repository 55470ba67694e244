import Foundation
import Testing
@testable import KaopingWire

@Suite struct KeysTests {
    @Test func keyFilesRoundTripAndRefuseEdits() throws {
        let identity = SigningIdentity.generate(for: "leader:D07")
        let text = KeyFile.render(identity)
        let read = try KeyFile.parse(Data(text.utf8))
        #expect(read.submitter == "leader:D07")
        #expect(read.keyID == identity.keyID)
        let other = SigningIdentity.generate(for: "x").publicKey.rawRepresentation.base64EncodedString()
        let edited = text.replacingOccurrences(
            of: identity.publicKey.rawRepresentation.base64EncodedString(), with: other)
        #expect(throws: KeyFileError.self) { try KeyFile.parse(Data(edited.utf8)) }
        #expect(throws: KeyFileError.self) { try KeyFile.parse(Data("not json".utf8)) }
        // Strict JSON: a comma left after the last field by a hand edit is named, not read past.
        let trailing = text.replacingOccurrences(of: "\"\n}", with: "\",\n}")
        #expect(trailing != text)
        #expect {
            try KeyFile.parse(Data(trailing.utf8))
        } throws: { error in
            (error as? KeyFileError)?.message.hasPrefix("not valid JSON at line ") == true
        }
    }

    @Test func keyringParsesLinesCommentsAndRefusesBadOnes() throws {
        let first = SigningIdentity.generate(for: "party_office")
        let second = SigningIdentity.generate(for: "leader:D01")
        let text = "# keyring\n\n\(Keyring.line(for: first))\n\(Keyring.line(for: second))\n"
        let keyring = try Keyring(parsing: text)
        #expect(keyring.entries.count == 2)
        #expect(keyring.entry(first.keyID)?.submitter == "party_office")
        #expect(throws: KeyFileError.self) { try Keyring(parsing: "party_office notbase64\n") }
        #expect(throws: KeyFileError.self) { try Keyring(parsing: "party_office\n") }
        let stolen = "safety_office \(first.publicKey.rawRepresentation.base64EncodedString())\n"
        #expect(throws: KeyFileError.self) { try Keyring(parsing: text + stolen) }
        // The identity (a point of order 1) and a key written as y + p: refused, saying to make a new key.
        for raw in [[1] + [UInt8](repeating: 0, count: 31), [0xEF] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]] {
            let line = "safety_office \(Data(raw).base64EncodedString())\n"
            #expect(throws: KeyFileError.self) { try Keyring(parsing: line) }
            do {
                _ = try Keyring(parsing: line)
            } catch {
                #expect(error.message.contains("not a usable Ed25519 public key") && error.line == 1, "\(error)")
            }
        }
    }

    @Test func aKeyringSavedWithWindowsLineEndsReadsTheSame() throws {
        let first = SigningIdentity.generate(for: "party_office")
        let second = SigningIdentity.generate(for: "leader:D01")
        let lines = ["# keyring", "", Keyring.line(for: first), Keyring.line(for: second) + "  # head of D01"]
        let unix = try Keyring(parsing: lines.joined(separator: "\n") + "\n")
        let windows = try Keyring(parsing: lines.joined(separator: "\r\n") + "\r\n")
        #expect(windows.entries.count == 2)
        #expect(windows.entries == unix.entries)
        // Saved as "UTF-8 with BOM" (Notepad): the mark is not part of the first submitter's id.
        let marked = try Keyring(parsing: "\u{FEFF}" + lines.dropFirst(2).joined(separator: "\r\n"))
        #expect(marked.entries == unix.entries)
        // A bad line is named by its own number, not as line 1 of one long line.
        do {
            _ = try Keyring(parsing: (lines + ["party_office"]).joined(separator: "\r\n"))
            Issue.record("a one-word line was accepted")
        } catch {
            #expect(error.line == 5, "\(error)")
            #expect(error.description.hasPrefix("keyring line 5: expected"), "\(error)")
        }
    }

    @Test func signingInputIsDomainSeparated() {
        let input = SignedEnvelope.signingInput(version: 1, type: "submission", campaign: "c", payload: Data([0xAA]))
        #expect(input == Data("kaoping\u{0}1\u{0}submission\u{0}c\u{0}".utf8) + Data([0xAA]))
    }

    @Test func oversizedEnvelopesAreRefusedBeforeDecoding() {
        #expect(throws: WireError.self) {
            try SignedEnvelope.decode(Data(repeating: 0, count: SignedEnvelope.maximumEnvelopeBytes + 1))
        }
    }
}
