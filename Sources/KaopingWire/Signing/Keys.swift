@preconcurrency import Crypto
import Foundation

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

/// A submitter's (or the aggregator's) Ed25519 key pair with the id it signs as.
public struct SigningIdentity: Sendable {
    /// The submitter id the key belongs to: `party_office`, `leader:D07`, `operator`, `aggregator`.
    public let submitter: String
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(submitter: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.submitter = submitter
        self.privateKey = privateKey
    }

    /// A new random key pair.
    public static func generate(for submitter: String) -> SigningIdentity {
        SigningIdentity(submitter: submitter, privateKey: Curve25519.Signing.PrivateKey())
    }

    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }
    public var keyID: KeyID { KeyID(of: publicKey) }
}

/// Why a key file or keyring cannot be used.
public struct KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The secret key file of one submitter: JSON with `submitter`, `public_key` and `secret_key` (the 32-byte Ed25519
/// seed), both in standard base64. Keep it readable by its owner only.
public enum KeyFile {
    private struct Document: Codable {
        var submitter: String
        var publicKey: String
        var secretKey: String

        enum CodingKeys: String, CodingKey {
            case submitter
            case publicKey = "public_key"
            case secretKey = "secret_key"
        }
    }

    /// The JSON text of a key file.
    public static func render(_ identity: SigningIdentity) -> String {
        let document = Document(
            submitter: identity.submitter, publicKey: identity.publicKey.rawRepresentation.base64EncodedString(),
            secretKey: identity.privateKey.rawRepresentation.base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(document), as: UTF8.self) + "\n"
    }

    /// Reads a key file and checks that its public key matches its secret key.
    public static func parse(_ data: Data) throws(KeyFileError) -> SigningIdentity {
        guard let document = try? JSONDecoder().decode(Document.self, from: data) else {
            throw KeyFileError("not a Kaoping key file (JSON with submitter, public_key, secret_key); make one with `kaoping keygen`")
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
        return SigningIdentity(submitter: document.submitter, privateKey: key)
    }

    /// Reads a public key written as standard base64 of its 32 bytes.
    public static func publicKey(base64 text: String) throws(KeyFileError) -> Curve25519.Signing.PublicKey {
        guard let raw = Data(base64Encoded: text), raw.count == 32,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else {
            throw KeyFileError("'\(text)' is not a base64 32-byte Ed25519 public key")
        }
        return key
    }
}

/// The public keys the aggregator trusts, each mapped to the submitter it proves.
///
/// File format: one key per line, `SUBMITTER PUBLIC_KEY_BASE64`; `#` starts a comment; blank lines are skipped.
/// What a submitter may submit comes from the catalog, not from here.
public struct Keyring: Sendable {
    public struct Entry: Hashable, Sendable {
        public let submitter: String
        public let publicKey: Curve25519.Signing.PublicKey
        public var keyID: KeyID { KeyID(of: publicKey) }

        public init(submitter: String, publicKey: Curve25519.Signing.PublicKey) {
            self.submitter = submitter
            self.publicKey = publicKey
        }

        public static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.submitter == rhs.submitter && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(submitter)
            hasher.combine(publicKey.rawRepresentation)
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
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty { continue }
            guard words.count == 2 else {
                throw KeyFileError("keyring line \(index + 1): expected 'SUBMITTER PUBLIC_KEY', found \(words.count) words")
            }
            let key: Curve25519.Signing.PublicKey
            do {
                key = try KeyFile.publicKey(base64: String(words[1]))
            } catch {
                throw KeyFileError("keyring line \(index + 1): \(error.message)")
            }
            let entry = Entry(submitter: String(words[0]), publicKey: key)
            if let existing = entries[entry.keyID], existing.submitter != entry.submitter {
                throw KeyFileError(
                    "keyring line \(index + 1): key \(entry.keyID) is already listed for \(existing.submitter); one key, one submitter")
            }
            entries[entry.keyID] = entry
        }
    }

    /// The keyring line for a key: `SUBMITTER PUBLIC_KEY_BASE64  # key id`.
    public static func line(for identity: SigningIdentity) -> String {
        "\(identity.submitter) \(identity.publicKey.rawRepresentation.base64EncodedString())  # key \(identity.keyID)"
    }
}
