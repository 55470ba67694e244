import Foundation
import KaopingWire

/// Reads `--aggregator-key`: the aggregator's public key as base64, or its keyring line
/// (`aggregator ED25519_BASE64 [CURVE_BASE64]`, as `kaoping keygen` printed it), or a file holding either.
enum AggregatorKey {
    static func parse(_ argument: String) throws -> Keyring.Entry {
        var text = argument
        if FileManager.default.fileExists(atPath: argument) {
            let data = try InputFile.read(argument, what: "aggregator key")
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
            throw CLIError(
                "--aggregator-key is neither the aggregator's base64 public key, nor its keyring line, nor a file "
                    + "holding one")
        }
        var transport: Data?
        if keys.count > 1 {
            guard let raw = Data(base64Encoded: keys[1]), raw.count == 32 else {
                throw CLIError("--aggregator-key: the CURVE key is not a base64 32-byte key")
            }
            transport = raw
        }
        return Keyring.Entry(submitter: "aggregator", publicKey: key, transportKey: transport)
    }
}
