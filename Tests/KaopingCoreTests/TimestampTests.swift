import Foundation
import KaopingCore
import Testing

@Suite struct TimestampTests {
    /// Stored, hashed and printed as JSON the way the `*_ms` fields always were: the bare number of milliseconds.
    @Test func aTimestampIsEncodedAsItsMilliseconds() throws {
        let moment: Timestamp = 1_795_845_900_123
        #expect(String(decoding: try JSONEncoder().encode(["at_ms": moment]), as: UTF8.self)
            == #"{"at_ms":1795845900123}"#)
        #expect(try JSONDecoder().decode(Timestamp.self, from: Data("1795845900123".utf8)) == moment)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Timestamp.self, from: Data("\"x\"".utf8)) }
    }

    @Test func durationsMoveATimestampToTheMillisecond() {
        let moment: Timestamp = 1_000
        #expect(moment + .seconds(2) == 3_000)
        #expect(moment + .milliseconds(1.9) == 1_001)
        #expect(moment - .seconds(1) == 0)
        #expect((moment + .seconds(90)) - moment == .seconds(90))
        #expect(moment - (moment + .milliseconds(5)) == .milliseconds(-5))
        #expect(Timestamp(Date(timeIntervalSince1970: 1.9999)) == 1_999)
    }

    /// A time is shown in China Standard Time, whatever zone the machine keeps.
    @Test func aTimestampReadsInChinaStandardTime() {
        #expect(Timestamp(milliseconds: 1_795_845_900_000).description == "2026-11-28 14:05:00")
        #expect(ChinaTime.parse("2026-11-28 14:05:00") == 1_795_845_900_000)
    }
}
