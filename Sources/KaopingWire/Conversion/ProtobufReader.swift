import Foundation

/// Protocol Buffers' binary form read field by field, forward, from bytes that outlive the reader: the counterpart
/// of `ProtobufWriter`, for the few messages read on a hot path without building SwiftProtobuf's decoder. Each
/// read returns nil (or false) for bytes that end inside a value or are not the form at all.
public struct ProtobufReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    public var atEnd: Bool { offset == bytes.count }

    /// A varint of at most ten bytes whose value fits in 64 bits (a field's tag is one).
    public mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, through: 63, by: 7) {
            guard offset < bytes.count else { return nil }
            let byte = bytes[offset]
            offset += 1
            if shift == 63, byte > 1 { return nil }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
        }
        return nil
    }

    /// A length-delimited value's bytes.
    public mutating func delimited() -> UnsafeRawBufferPointer? {
        guard let length = varint(), length <= UInt64(bytes.count - offset) else { return nil }
        defer { offset += Int(length) }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
    }

    /// A length-delimited value as text, if it is UTF-8. ASCII, what the protocol's ids and numbers are, is taken as
    /// it is: `String(validating:as:)` looks up generic metadata at run time on each call.
    public mutating func string() -> String? {
        guard let text = delimited() else { return nil }
        guard text.allSatisfy({ $0 < 0x80 }) else { return String(validating: text, as: UTF8.self) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Moves past a value of the wire type in `tag` (varint, 64-bit, length-delimited or 32-bit); false when the
    /// value is cut short or the wire type is another.
    public mutating func skip(_ tag: UInt64) -> Bool {
        switch tag & 7 {
        case 0: return varint() != nil
        case 2: return delimited() != nil
        case 1, 5:
            let size = tag & 7 == 1 ? 8 : 4
            guard size <= bytes.count - offset else { return false }
            offset += size
            return true
        default: return false
        }
    }
}
