import Foundation
import KaopingTestSupport
import KaopingWire
import Testing
@testable import KaopingCLI

/// `--aggregator-key` takes the key, its keyring line, or a file holding either, however an operator saved it.
@Suite struct AggregatorKeyTests {
    private let aggregator = SigningIdentity.generate(for: "aggregator")

    @Test func theKeyItsLineOrAFileHoldingThemGiveTheSameKey() throws {
        let line = Keyring.line(for: aggregator)
        let key = aggregator.publicKey.rawRepresentation.base64EncodedString()
        let files = [
            line + "\n",
            "# the aggregator's keyring line, from its keygen\n" + line + "\n",
            "\u{FEFF}# saved on Windows\r\n\r\n" + line + "  # receipts\r\n",
            "\u{FEFF}" + key + "\r\n",
        ]
        for (index, contents) in files.enumerated() {
            let path = try Scratch.file("aggregator-\(index).txt", contents)
            #expect(try AggregatorKey.parse(path).keyID == aggregator.keyID, "\(contents.debugDescription)")
        }
        #expect(try AggregatorKey.parse(line).keyID == aggregator.keyID)
        #expect(try AggregatorKey.parse(key).keyID == aggregator.keyID)
    }

    @Test func anythingElseIsRefusedSayingWhatIsExpected() throws {
        let path = try Scratch.file("not-a-key.txt", "# nothing here\n\n")
        #expect(throws: CLIError.self) { try AggregatorKey.parse(path) }
        #expect(throws: CLIError.self) { try AggregatorKey.parse("aggregator notbase64") }
    }
}
