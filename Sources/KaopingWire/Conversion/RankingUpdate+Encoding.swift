import Foundation
import KaopingCore

extension StandingsUpdate {
    /// The feed's `RankingUpdate` for this update in Protocol Buffers' binary form, written field by field from the
    /// standings: the message `Kaoping_V1_RankingUpdate(self, ledgerPosition:updatedAt:epoch:)` holds, as its
    /// `serializedBytes()` writes it (fields in number order, defaults left out, map entries with key and value
    /// always), without building it. The feed sends one after every batch, each changed district's row whole with
    /// its map of indicators: the message made a string of every value and a nested message of every row, and
    /// SwiftProtobuf sizes each nested message once per level above it. Tests decode the bytes with the generated
    /// code.
    public func encoded(ledgerPosition: Int, updatedAt: Timestamp, epoch: Int64) -> Data {
        var writer = ProtobufWriter()
        writer.string(1, campaign)
        writer.bool(2, isFinal)
        writer.varint(3, UInt64(ledgerPosition))
        writer.varint(4, UInt64(bitPattern: updatedAt.milliseconds))
        for row in districts { writer.message(5) { $0.write(row) } }
        for row in workers { writer.message(6) { $0.write(row) } }
        writer.varint(7, UInt64(UInt32(expected)))
        writer.varint(8, UInt64(UInt32(filled)))
        for entry in owed {
            writer.message(9) { writer in
                writer.string(1, entry.owner)
                writer.varint(2, UInt64(UInt32(entry.count)))
            }
        }
        // The message always has both boundaries: they are written even when empty.
        writer.message(10) { $0.write(districtGrades) }
        writer.message(11) { $0.write(workerGrades) }
        writer.varint(12, UInt64(bitPattern: epoch))
        return Data(writer.bytes)
    }
}

extension ProtobufWriter {
    fileprivate mutating func write(_ row: DistrictStanding) {
        string(1, row.district.id)
        string(2, row.district.name)
        decimal(3, row.total)
        varint(4, UInt64(UInt32(row.rank)))
        string(5, row.grade.rawValue)
        for (indicator, value) in row.values {
            value.withFormattedBytes(minimumFractionDigits: 2) { value in
                // A map entry is a message of its own, its length known ahead; SwiftProtobuf writes its key and
                // value even when empty.
                let keyCount = indicator.utf8.count
                lengthPrefix(6, 2 + Self.size(of: keyCount) + keyCount + Self.size(of: value.count) + value.count)
                string(1, indicator, always: true)
                utf8(2, value)
            }
        }
        for cell in row.missing { string(7, cell, always: true) }
    }

    fileprivate mutating func write(_ row: WorkerStanding) {
        string(1, row.worker.id)
        string(2, row.worker.name)
        string(3, row.worker.district)
        decimal(4, row.total)
        varint(5, UInt64(UInt32(row.rank)))
        string(6, row.grade.rawValue)
    }

    fileprivate mutating func write<Grade: RawRepresentable<String>>(_ grades: GradeBoundaries<Grade>) {
        for step in grades.steps {
            message(1) { writer in
                writer.string(1, step.grade.rawValue)
                writer.decimal(2, step.from)
            }
        }
        string(2, grades.otherwise.rawValue)
    }

    /// A decimal as the feed's strings write it (``ExactDecimal/description``), never empty.
    fileprivate mutating func decimal(_ field: UInt64, _ value: ExactDecimal) {
        value.withFormattedBytes(minimumFractionDigits: 2) { utf8(field, $0) }
    }
}

/// Protocol Buffers' binary form, written forward into one buffer: a nested message is written in place and its
/// length put in front of it once it is known (moving it by the length's few bytes).
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(4096)
    }

    /// A varint field (uint32, uint64, bool, and int64 as its two's complement); 0 is left out, as proto3 does.
    mutating func varint(_ field: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        appendVarint(field << 3)
        appendVarint(value)
    }

    mutating func bool(_ field: UInt64, _ value: Bool) {
        varint(field, value ? 1 : 0)
    }

    /// A string field; the empty string is left out unless `always` (repeated fields and map entries).
    mutating func string(_ field: UInt64, _ value: String, always: Bool = false) {
        guard always || !value.isEmpty else { return }
        if value.utf8.withContiguousStorageIfAvailable({ utf8(field, $0) }) == nil {
            Array(value.utf8).withUnsafeBufferPointer { utf8(field, $0) }
        }
    }

    /// A string field of these UTF-8 bytes, written even when empty.
    mutating func utf8(_ field: UInt64, _ value: UnsafeBufferPointer<UInt8>) {
        appendVarint(field << 3 | 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// The tag and length of a nested message whose length is known ahead; its fields follow.
    mutating func lengthPrefix(_ field: UInt64, _ length: Int) {
        appendVarint(field << 3 | 2)
        appendVarint(UInt64(length))
    }

    /// The bytes of `value` as a varint.
    static func size(of value: Int) -> Int {
        var size = 1
        while UInt64(value) >> (7 * size) != 0 { size += 1 }
        return size
    }

    /// A nested message field, written by `body`; its length, known once it is written, is put in front of it.
    mutating func message(_ field: UInt64, _ body: (inout ProtobufWriter) -> Void) {
        appendVarint(field << 3 | 2)
        let start = bytes.count
        body(&self)
        var length = UInt64(bytes.count - start)
        let size = Self.size(of: Int(length))
        bytes.insert(contentsOf: repeatElement(0, count: size), at: start)
        for index in start..<start + size {
            bytes[index] = UInt8(truncatingIfNeeded: length) | (index < start + size - 1 ? 0x80 : 0)
            length >>= 7
        }
    }

    @inline(__always)
    private mutating func appendVarint(_ value: UInt64) {
        if value < 0x80 { return bytes.append(UInt8(value)) }
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}
