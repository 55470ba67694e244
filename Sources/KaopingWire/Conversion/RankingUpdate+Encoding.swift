import Foundation

extension Kaoping_V1_RankingUpdate {
    /// The update in Protocol Buffers' binary form, written field by field: what `serializedBytes()` gives (fields
    /// in number order, defaults left out; map entries in the map's order), at a fraction of its cost. The feed
    /// sends an update after every batch, each changed district's row whole with its map of indicators, and
    /// SwiftProtobuf sizes every nested message once per level above it before writing it. Unknown fields are not
    /// written: the aggregator builds these messages itself. A test decodes the result against the generated code.
    public func encoded() -> Data {
        var writer = ProtobufWriter()
        writer.string(1, campaign)
        writer.bool(2, final)
        writer.varint(3, ledgerPosition)
        writer.varint(4, UInt64(bitPattern: updatedAtMs))
        for row in districts { writer.message(5) { $0.write(row) } }
        for row in workers { writer.message(6) { $0.write(row) } }
        writer.varint(7, UInt64(cellsExpected))
        writer.varint(8, UInt64(cellsFilled))
        for entry in owed {
            writer.message(9) { writer in
                writer.string(1, entry.submitter)
                writer.varint(2, UInt64(entry.missing))
            }
        }
        if hasDistrictGrades { writer.message(10) { $0.write(districtGrades) } }
        if hasWorkerGrades { writer.message(11) { $0.write(workerGrades) } }
        writer.varint(12, UInt64(bitPattern: epoch))
        return Data(writer.bytes)
    }
}

extension ProtobufWriter {
    fileprivate mutating func write(_ row: Kaoping_V1_DistrictRank) {
        string(1, row.district)
        string(2, row.name)
        string(3, row.total)
        varint(4, UInt64(row.rank))
        string(5, row.grade)
        for (indicator, value) in row.indicators {
            // A map entry is a message of its own, its length known ahead; SwiftProtobuf writes its key and value
            // even when empty.
            let (keyCount, valueCount) = (indicator.utf8.count, value.utf8.count)
            lengthPrefix(6, 2 + Self.size(of: keyCount) + keyCount + Self.size(of: valueCount) + valueCount)
            string(1, indicator, always: true)
            string(2, value, always: true)
        }
        for cell in row.missing { string(7, cell, always: true) }
    }

    fileprivate mutating func write(_ row: Kaoping_V1_WorkerRank) {
        string(1, row.worker)
        string(2, row.name)
        string(3, row.district)
        string(4, row.total)
        varint(5, UInt64(row.rank))
        string(6, row.grade)
    }

    fileprivate mutating func write(_ grades: Kaoping_V1_GradeBoundaries) {
        for step in grades.steps {
            message(1) { writer in
                writer.string(1, step.grade)
                writer.string(2, step.from)
            }
        }
        string(2, grades.otherwise)
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
        appendVarint(field << 3 | 2)
        appendVarint(UInt64(value.utf8.count))
        if value.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: value.utf8)
        }
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
