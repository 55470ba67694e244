import Foundation
import Testing
import KaopingWire

@Suite struct ProtobufReaderTests {
    @Test func skipsEachWireTypeAndStopsAtWhatIsCutShort() {
        // Fields 1 (varint 300), 2 (64-bit), 3 (length 2), 4 (32-bit), then field 5 as text.
        let bytes: [UInt8] = [0x08, 0xac, 0x02, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x02, 9, 9, 0x25, 1, 2, 3, 4,
                              0x2a, 0x02, 0x6f, 0x6b]
        bytes.withUnsafeBytes { buffer in
            var reader = ProtobufReader(buffer)
            var tags: [UInt64] = []
            while !reader.atEnd, let tag = reader.varint() {
                tags.append(tag)
                if tag == 0x2a {
                    let text = reader.string()
                    #expect(text == "ok")
                } else {
                    let skipped = reader.skip(tag)
                    #expect(skipped)
                }
            }
            #expect(tags == [0x08, 0x11, 0x1a, 0x25, 0x2a])
            #expect(reader.atEnd)
        }
        for cut in [[0x11, 1, 2, 3], [0x25, 1], [0x1a, 0x05, 1], [0x08, 0x80]] as [[UInt8]] {
            cut.withUnsafeBytes { buffer in
                var reader = ProtobufReader(buffer)
                let tag = reader.varint()!
                let skipped = reader.skip(tag)
                #expect(!skipped, "\(cut)")
            }
        }
        // Groups (wire types 3 and 4) and the unused 6 and 7 are not skipped.
        for tag in [0x0b, 0x0c, 0x0e, 0x0f] as [UInt64] {
            [UInt8]([0]).withUnsafeBytes { buffer in
                var reader = ProtobufReader(buffer)
                let skipped = reader.skip(tag)
                #expect(!skipped)
            }
        }
    }

    @Test func aVarintIsAtMostTenBytesAndSixtyFourBits() {
        let largest: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        largest.withUnsafeBytes { buffer in
            var reader = ProtobufReader(buffer)
            let value = reader.varint()
            #expect(value == .max)
        }
        for bytes in [largest.dropLast() + [0x02], largest.dropLast() + [0x81, 0x00], [0x80]] as [[UInt8]] {
            bytes.withUnsafeBytes { buffer in
                var reader = ProtobufReader(buffer)
                let value = reader.varint()
                #expect(value == nil, "\(bytes)")
            }
        }
    }

    @Test func textIsTakenOnlyIfItIsUTF8() {
        for (bytes, text) in [([0x02, 0x61, 0x62], "ab"), ([0x03, 0xe7, 0x94, 0xb2], "甲"), ([0x02, 0xc3, 0x28], nil)]
            as [([UInt8], String?)]
        {
            bytes.withUnsafeBytes { buffer in
                var reader = ProtobufReader(buffer)
                let read = reader.string()
                #expect(read == text, "\(bytes)")
            }
        }
    }
}
