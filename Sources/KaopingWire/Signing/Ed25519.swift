@preconcurrency import Crypto
import CSodium
import Foundation

/// Ed25519 verification by the protocol's rule (docs/protocol.md §3, "Which signatures verify"): libsodium's
/// `crypto_sign_verify_detached` as Debian ships it (1.0.18). A signature (R, S) verifies with a key A over a message
/// M when S < L, neither A nor R is of small order, A is canonically encoded (y < p), and [S]B = R + [k]A without the
/// cofactor, R compared as encoded, k = SHA-512(R ‖ A ‖ M) mod L: RFC 8032 §5.1.7 with those refusals, not ZIP-215.
///
/// Every check of the protocol goes through ``isValidSignature(_:for:publicKey:using:)``, with the faster of the two
/// implementations the machine has (libsodium: docs/benchmarks.md measures both). swift-crypto's (BoringSSL) is kept
/// for the benchmark's comparison and the agreement tests: on its own it accepts small-order keys and R (so that one
/// forged signature verifies for every message under the identity as a key) and non-canonical keys, so it checks
/// those first, as libsodium does; the two then give the same answer on every input
/// (docs/protocol-edge-vectors.json).
public enum Ed25519 {
    public enum Implementation: String, CaseIterable, Sendable {
        case libsodium
        case swiftCrypto = "swift-crypto"
    }

    /// The implementation every check uses.
    public static let implementation: Implementation = .libsodium

    /// libsodium's own initialisation (choosing its code for the CPU), once per process; thread-safe.
    private static let sodiumReady: Bool = sodium_init() >= 0

    /// Whether `signature` (64 bytes) verifies over `message` with the 32-byte `publicKey` by the protocol's rule.
    public static func isValidSignature(
        _ signature: Data, for message: UnsafeRawBufferPointer, publicKey: Data,
        using implementation: Implementation = implementation
    ) -> Bool {
        guard signature.count == 64, publicKey.count == 32 else { return false }
        switch implementation {
        case .libsodium:
            guard sodiumReady else { return false }
            return signature.withUnsafeBytes { signature in
                publicKey.withUnsafeBytes { key in
                    crypto_sign_verify_detached(
                        signature.bindMemory(to: UInt8.self).baseAddress!,
                        message.bindMemory(to: UInt8.self).baseAddress ?? key.bindMemory(to: UInt8.self).baseAddress!,
                        UInt64(message.count), key.bindMemory(to: UInt8.self).baseAddress!) == 0
                }
            }
        case .swiftCrypto:
            guard passesRefusals(signature: signature, publicKey: publicKey),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
            else { return false }
            return key.isValidSignature(signature, for: message)
        }
    }

    /// The rule's refusals before the equation: S < L, A canonically encoded, A and R not of small order.
    static func passesRefusals(signature: Data, publicKey: Data) -> Bool {
        signature.withUnsafeBytes { signature in
            publicKey.withUnsafeBytes { key in
                isCanonicalScalar(UnsafeRawBufferPointer(rebasing: signature[32..<64])) && isCanonicalPoint(key)
                    && !hasSmallOrder(key) && !hasSmallOrder(UnsafeRawBufferPointer(rebasing: signature[0..<32]))
            }
        }
    }

    /// L, the order of the base point, little-endian.
    private static let order: [UInt8] = [
        0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]

    /// Whether the little-endian scalar `s` is below L.
    static func isCanonicalScalar(_ s: UnsafeRawBufferPointer) -> Bool {
        for index in stride(from: 31, through: 0, by: -1) where s[index] != order[index] {
            return s[index] < order[index]
        }
        return false  // s == L
    }

    /// Whether a point's encoding has y < p (p = 2^255 − 19), the sign bit aside: libsodium's `ge25519_is_canonical`.
    static func isCanonicalPoint(_ s: UnsafeRawBufferPointer) -> Bool {
        guard s[31] & 0x7F == 0x7F, (1...30).allSatisfy({ s[$0] == 0xFF }) else { return true }
        return s[0] < 0xED
    }

    /// The encodings of the points of small order (and their non-canonical twins), the sign bit aside: libsodium's
    /// `ge25519_has_small_order` list.
    private static let smallOrder: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),  // 0 (order 4)
        [1] + [UInt8](repeating: 0, count: 31),  // 1 (order 1)
        [
            0x26, 0xE8, 0x95, 0x8F, 0xC2, 0xB2, 0x27, 0xB0, 0x45, 0xC3, 0xF4, 0x89, 0xF2, 0xEF, 0x98, 0xF0,
            0xD5, 0xDF, 0xAC, 0x05, 0xD3, 0xC6, 0x33, 0x39, 0xB1, 0x38, 0x02, 0x88, 0x6D, 0x53, 0xFC, 0x05,
        ],  // order 8
        [
            0xC7, 0x17, 0x6A, 0x70, 0x3D, 0x4D, 0xD8, 0x4F, 0xBA, 0x3C, 0x0B, 0x76, 0x0D, 0x10, 0x67, 0x0F,
            0x2A, 0x20, 0x53, 0xFA, 0x2C, 0x39, 0xCC, 0xC6, 0x4E, 0xC7, 0xFD, 0x77, 0x92, 0xAC, 0x03, 0x7A,
        ],  // order 8
        [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],  // p − 1 (order 2)
        [0xED] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],  // p, that is 0 (order 4)
        [0xEE] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],  // p + 1, that is 1 (order 1)
    ]

    /// Whether a point's encoding is one of a point of small order, the sign bit aside.
    static func hasSmallOrder(_ s: UnsafeRawBufferPointer) -> Bool {
        smallOrder.contains { listed in
            (0..<31).allSatisfy { s[$0] == listed[$0] } && s[31] & 0x7F == listed[31]
        }
    }
}
