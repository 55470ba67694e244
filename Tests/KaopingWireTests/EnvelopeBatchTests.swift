import Foundation
import Testing
@testable import KaopingWire

@Suite struct EnvelopeBatchTests {
    /// The ingest endpoint tells a batch by its own reading of the envelope's type; where that reading stops (an
    /// unknown field in a group, kept by protobuf), SwiftProtobuf's decides. Found by `make fuzz`: the envelope
    /// target's crashes, kept in Tests/fuzz/crashes/.
    @Test func aBatchIsToldAsSwiftProtobufReadsTheEnvelope() throws {
        var envelope = Kaoping_V1_Envelope()
        envelope.version = 1
        envelope.type = MessageType.batch.rawValue
        var bytes: Data = try envelope.serializedBytes()
        // An unknown field 6 as a group (wire type 3) holding a varint, closed by its end-group tag (wire type 4).
        bytes += Data([6 << 3 | 3, 1 << 3 | 0, 42, 6 << 3 | 4])
        #expect(try SignedEnvelope.decode(bytes).type == "batch")
        #expect(EnvelopeBatch.isBatch(bytes))
        // The same group left open: neither reads it.
        let open = bytes.dropLast()
        #expect((try? SignedEnvelope.decode(Data(open))) == nil)
        #expect(!EnvelopeBatch.isBatch(Data(open)))
    }
}
