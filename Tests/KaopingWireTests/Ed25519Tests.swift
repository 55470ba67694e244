@preconcurrency import Crypto
import Foundation
import Testing
@testable import KaopingWire

/// The protocol's acceptance rule (docs/protocol.md §3): libsodium and swift-crypto give the same answer on the
/// edge vectors of docs/protocol-edge-vectors.json (written by Tests/protocol/edge_vectors.py from RFC 8032's
/// arithmetic, not by either verifier), on the protocol vectors, and on random signatures and tamperings.
@Suite struct Ed25519Tests {
    struct EdgeVector: Decodable {
        let name: String
        let public_key_hex: String
        let message_hex: String
        let signature_hex: String
        let accept: Bool
    }

    static let edgeVectors: [EdgeVector] = {
        let file = ProtocolVectorTests.file.deletingLastPathComponent()
            .appendingPathComponent("protocol-edge-vectors.json")
        return try! JSONDecoder().decode([EdgeVector].self, from: Data(contentsOf: file))
    }()

    static func verify(_ vector: EdgeVector, using implementation: Ed25519.Implementation) -> Bool {
        Data(hex: vector.message_hex).withUnsafeBytes {
            Ed25519.isValidSignature(
                Data(hex: vector.signature_hex), for: $0, publicKey: Data(hex: vector.public_key_hex),
                using: implementation)
        }
    }

    @Test func bothImplementationsFollowTheRuleOnEveryEdgeVector() {
        #expect(Self.edgeVectors.count >= 10)
        for vector in Self.edgeVectors {
            for implementation in Ed25519.Implementation.allCases {
                #expect(
                    Self.verify(vector, using: implementation) == vector.accept,
                    "\(vector.name): \(implementation.rawValue) says \(!vector.accept)")
            }
        }
    }

    /// Why swift-crypto checks first: BoringSSL's verification alone accepts a small-order key (one signature then
    /// verifies every message) and a small-order R.
    @Test func swiftCryptoAloneWouldAcceptSmallOrderPoints() throws {
        for name in ["small_order_key", "small_order_key_sign_bit", "small_order_r"] {
            let vector = try #require(Self.edgeVectors.first { $0.name == name })
            let key = try Curve25519.Signing.PublicKey(rawRepresentation: Data(hex: vector.public_key_hex))
            let signature = Data(hex: vector.signature_hex)
            #expect(key.isValidSignature(signature, for: Data(hex: vector.message_hex)), "\(name)")
            #expect(!Self.verify(vector, using: .swiftCrypto) && !Self.verify(vector, using: .libsodium))
        }
    }

    @Test func bothAgreeOnRandomSignaturesAndTheirTamperings() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let key = Curve25519.Signing.PrivateKey()
            let message = Data((0..<(round % 97)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            var signature = try! key.signature(for: message)
            let publicKey = key.publicKey.rawRepresentation
            if round % 3 != 0 {  // flip one bit of the signature, the message or (below) the key
                let bit = Int.random(in: 0..<512, using: &generator)
                signature[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            let results = Ed25519.Implementation.allCases.map { implementation in
                message.withUnsafeBytes {
                    Ed25519.isValidSignature(signature, for: $0, publicKey: publicKey, using: implementation)
                }
            }
            #expect(results[0] == results[1], "round \(round): \(results)")
            #expect(results[0] == (round % 3 == 0), "round \(round)")
        }
    }

    @Test func theCommittedProtocolVectorsVerifyAlikeWithBoth() throws {
        let vectors = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: ProtocolVectorTests.file))
        let key = try KeyFile.publicKey(base64: vectors["submitter_public_key_base64"]!)
        let submitter = Keyring.Entry(submitter: "party_office", publicKey: key)
        let envelope = try SignedEnvelope.decode(Data(hex: vectors["submission_envelope_hex"]!))
        var malleated = envelope
        malleated.signature = Data(hex: vectors["submission_malleated_signature_hex"]!)
        var cases: [(Kaoping_V1_Envelope, Bool)] = [(envelope, true), (malleated, false)]
        for name in ["replay_other_campaign", "replay_other_type", "replay_other_version"] {
            cases.append((try SignedEnvelope.decode(Data(hex: vectors["\(name)_envelope_hex"]!)), false))
        }
        for (envelope, valid) in cases {
            for implementation in Ed25519.Implementation.allCases {
                #expect(SignedEnvelope.verify(envelope, with: submitter, using: implementation) == valid)
            }
        }
    }
}
