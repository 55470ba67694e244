@preconcurrency import Crypto
import Foundation
import KaopingCore

/// The id of a public key on the wire: the first 8 bytes of SHA-256(public key), as 16 lowercase hex digits.
public struct KeyID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(of publicKey: Curve25519.Signing.PublicKey) {
        let digest = SHA256.hash(data: publicKey.rawRepresentation)
        rawValue = digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    public var description: String { rawValue }

    public static func < (lhs: KeyID, rhs: KeyID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A transport (CURVE) key pair, 32 bytes each, kept beside the signing key.
public struct TransportKeys: Sendable, Equatable {
    public let publicKey: Data
    public let secretKey: Data

    public init(publicKey: Data, secretKey: Data) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}

/// A submitter's (or the aggregator's) Ed25519 key pair with the id it signs as, and its CURVE transport keys.
public struct SigningIdentity: Sendable {
    /// The submitter id the key belongs to: `party_office`, `leader:D07`, `operator`, `aggregator`.
    public let submitter: String
    public let privateKey: Curve25519.Signing.PrivateKey
    /// The CURVE key pair for encrypted connections, when the key file has one.
    public let transport: TransportKeys?

    public let publicKey: Curve25519.Signing.PublicKey
    /// Kept rather than derived: every receipt the aggregator seals names it.
    public let keyID: KeyID

    public init(submitter: String, privateKey: Curve25519.Signing.PrivateKey, transport: TransportKeys? = nil) {
        self.submitter = submitter
        self.privateKey = privateKey
        self.transport = transport
        publicKey = privateKey.publicKey
        keyID = KeyID(of: publicKey)
    }

    /// A new random signing key pair, with `transport` keys if given.
    public static func generate(for submitter: String, transport: TransportKeys? = nil) -> SigningIdentity {
        SigningIdentity(submitter: submitter, privateKey: Curve25519.Signing.PrivateKey(), transport: transport)
    }

}

/// Why a key file or keyring cannot be used.
public struct KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The 1-based line of a keyring file at fault; nil for a key file.
    public let line: Int?
    public let message: String

    public init(_ message: String, line: Int? = nil) {
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "keyring line \($0): \(message)" } ?? message }
}

/// The secret key file of one submitter: JSON with `submitter`, `public_key` and `secret_key` (the 32-byte Ed25519
/// seed), and optionally `curve_public_key` and `curve_secret_key` (the CURVE transport keys), all in standard
/// base64. Keep it readable by its owner only.
public enum KeyFile {
    private struct Document: Codable {
        var submitter: String
        var publicKey: String
        var secretKey: String
        var curvePublicKey: String?
        var curveSecretKey: String?

        enum CodingKeys: String, CodingKey {
            case submitter
            case publicKey = "public_key"
            case secretKey = "secret_key"
            case curvePublicKey = "curve_public_key"
            case curveSecretKey = "curve_secret_key"
        }
    }

    /// The JSON text of a key file.
    public static func render(_ identity: SigningIdentity) -> String {
        let document = Document(
            submitter: identity.submitter, publicKey: identity.publicKey.rawRepresentation.base64EncodedString(),
            secretKey: identity.privateKey.rawRepresentation.base64EncodedString(),
            curvePublicKey: identity.transport?.publicKey.base64EncodedString(),
            curveSecretKey: identity.transport?.secretKey.base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(document), as: UTF8.self) + "\n"
    }

    /// Reads a key file and checks that its public key matches its secret key.
    public static func parse(_ data: Data) throws(KeyFileError) -> SigningIdentity {
        do {
            try StrictJSON.check(data)
        } catch {
            throw KeyFileError(
                "not valid JSON at line \(error.line), column \(error.column): \(error.problem); the file was "
                    + "edited by hand — use the file `kaoping keygen` wrote, or make a new key")
        }
        guard let document = try? JSONDecoder().decode(Document.self, from: data) else {
            throw KeyFileError(
                "not a Kaoping key file (JSON with submitter, public_key, secret_key); make one with `kaoping keygen`")
        }
        guard let seed = Data(base64Encoded: document.secretKey), seed.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw KeyFileError("secret_key is not a base64 32-byte Ed25519 seed; make a new key with `kaoping keygen`")
        }
        guard key.publicKey.rawRepresentation.base64EncodedString() == document.publicKey else {
            throw KeyFileError("public_key does not belong to secret_key; the file was edited by hand — make a new key")
        }
        guard !document.submitter.isEmpty else { throw KeyFileError("submitter is empty; name the key's owner") }
        var transport: TransportKeys?
        if let publicText = document.curvePublicKey, let secretText = document.curveSecretKey {
            guard let publicKey = Data(base64Encoded: publicText), let secretKey = Data(base64Encoded: secretText),
                publicKey.count == 32, secretKey.count == 32
            else {
                throw KeyFileError("curve_public_key / curve_secret_key are not base64 32-byte keys; make a new key")
            }
            transport = TransportKeys(publicKey: publicKey, secretKey: secretKey)
        }
        return SigningIdentity(submitter: document.submitter, privateKey: key, transport: transport)
    }

    /// Reads a public key written as standard base64 of its 32 bytes.
    public static func publicKey(base64 text: String) throws(KeyFileError) -> Curve25519.Signing.PublicKey {
        guard let raw = Data(base64Encoded: text), raw.count == 32,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else {
            throw KeyFileError("'\(text)' is not a base64 32-byte Ed25519 public key")
        }
        // Such a key verifies no signature by the protocol's rule (and, by the bare equation, a small-order one would
        // verify forged ones): refused where it is read, with what to do.
        let usable = raw.withUnsafeBytes { Ed25519.isCanonicalPoint($0) && !Ed25519.hasSmallOrder($0) }
        guard usable else {
            throw KeyFileError(
                "'\(text)' is not a usable Ed25519 public key (a point of small order, or not canonically encoded); "
                    + "make a new key with `kaoping keygen`")
        }
        return key
    }
}

/// The public keys the aggregator trusts, each mapped to the submitter it proves.
///
/// File format: one key per line, `SUBMITTER PUBLIC_KEY_BASE64 [CURVE_PUBLIC_KEY_BASE64]`; `#` starts a comment;
/// blank lines are skipped.
/// What a submitter may submit comes from the catalog, not from here.
public struct Keyring: Sendable {
    public struct Entry: Hashable, Sendable {
        public let submitter: String
        public let publicKey: Curve25519.Signing.PublicKey
        /// The submitter's CURVE public key, admitted by the aggregator's ZAP handler when CURVE is on.
        public let transportKey: Data?
        public var keyID: KeyID { KeyID(of: publicKey) }
        /// The public key's 32 bytes, kept: the ledger keeper compares entries and verifies with them for every
        /// submission, and `rawRepresentation` makes a new `Data` each time.
        public let publicKeyBytes: Data

        public init(submitter: String, publicKey: Curve25519.Signing.PublicKey, transportKey: Data? = nil) {
            self.submitter = submitter
            self.publicKey = publicKey
            self.transportKey = transportKey
            publicKeyBytes = publicKey.rawRepresentation
        }

        public static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.submitter == rhs.submitter && lhs.publicKeyBytes == rhs.publicKeyBytes
                && lhs.transportKey == rhs.transportKey
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(submitter)
            hasher.combine(publicKeyBytes)
        }
    }

    public private(set) var entries: [KeyID: Entry] = [:]

    public init(_ entries: [Entry] = []) {
        for entry in entries { self.entries[entry.keyID] = entry }
    }

    public func entry(_ id: KeyID) -> Entry? { entries[id] }

    public mutating func add(_ entry: Entry) {
        entries[entry.keyID] = entry
    }

    /// Reads a keyring file; a bad line fails the whole file, naming the line.
    public init(parsing text: String) throws(KeyFileError) {
        // A file saved on Windows: a leading BOM is not part of the first submitter's id, and LF and CR LF end lines
        // alike (as `Character`s, CR LF is one, not an LF).
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, raw) in lines.enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty { continue }
            guard words.count == 2 || words.count == 3 else {
                throw KeyFileError(
                    "expected 'SUBMITTER PUBLIC_KEY [CURVE_KEY]', found \(words.count) words", line: index + 1)
            }
            var transportKey: Data?
            if words.count == 3 {
                guard let raw = Data(base64Encoded: String(words[2])), raw.count == 32 else {
                    throw KeyFileError("the CURVE key is not a base64 32-byte key", line: index + 1)
                }
                transportKey = raw
            }
            let key: Curve25519.Signing.PublicKey
            do {
                key = try KeyFile.publicKey(base64: String(words[1]))
            } catch {
                throw KeyFileError(error.message, line: index + 1)
            }
            let entry = Entry(submitter: String(words[0]), publicKey: key, transportKey: transportKey)
            if let existing = entries[entry.keyID], existing.submitter != entry.submitter {
                throw KeyFileError(
                    "key \(entry.keyID) is already listed for \(existing.submitter); one key, one submitter",
                    line: index + 1)
            }
            entries[entry.keyID] = entry
        }
    }

    /// The keyring line for a key: `SUBMITTER PUBLIC_KEY_BASE64 [CURVE_PUBLIC_KEY_BASE64]  # key id`.
    public static func line(for identity: SigningIdentity) -> String {
        let curve = identity.transport.map { " " + $0.publicKey.base64EncodedString() } ?? ""
        return "\(identity.submitter) \(identity.publicKey.rawRepresentation.base64EncodedString())\(curve)"
            + "  # key \(identity.keyID)"
    }

    /// The entry whose CURVE key is `transportKey`, if any.
    public func entry(transportKey: Data) -> Entry? {
        entries.values.first { $0.transportKey == transportKey }
    }
}
