import Foundation
import SwiftProtobuf
import Testing
@testable import KaopingWire

/// The aggregator reads a submission field by field (``SubmissionReader``) and leaves everything else to
/// SwiftProtobuf: whatever the reader takes must read exactly as SwiftProtobuf reads it.
@Suite struct SubmissionDecodingTests {
    private func generated(_ payload: Data) -> Kaoping_V1_Submission? {
        try? SignedEnvelope.decodePayload(Kaoping_V1_Submission.self, from: payload)
    }

    private func read(_ payload: Data) -> Kaoping_V1_Submission? {
        payload.withUnsafeBytes(SubmissionReader.read)
    }

    private func text(_ random: inout Xorshift) -> String {
        let pieces = ["", "D07", "hotline", "2023-07", "95.50", "甲乙", "leader:D07", "a\u{0}b", "🙂", "x"]
        return (0..<Int(random.next() % 3)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    private func submission(_ random: inout Xorshift) -> Kaoping_V1_Submission {
        var submission = Kaoping_V1_Submission()
        submission.submissionID = text(&random)
        submission.submitter = text(&random)
        submission.campaign = text(&random)
        submission.indicator = text(&random)
        submission.district = text(&random)
        submission.worker = text(&random)
        submission.period = text(&random)
        submission.score = text(&random)
        submission.respondents = Int32(truncatingIfNeeded: random.next())
        submission.keyRespondents = random.next() % 2 == 0 ? 0 : Int32(truncatingIfNeeded: random.next() % 100)
        submission.participants = -Int32(truncatingIfNeeded: random.next() % 3)
        submission.note = text(&random)
        for _ in 0..<Int(random.next() % 6) { submission.hotline[text(&random)] = text(&random) }
        submission.signedAtMs = Int64(bitPattern: random.next() >> (random.next() % 64))
        return submission
    }

    @Test func everyFieldReadsAsItWasWritten() throws {
        var random = Xorshift(seed: 11)
        for _ in 0..<2_000 {
            let submission = submission(&random)
            let payload: Data = try submission.serializedBytes()
            #expect(read(payload) == submission)
            #expect(try SignedEnvelope.decodeSubmission(payload) == submission)
            // No more room than SwiftProtobuf's table takes: the ledger keeps a city's thousands of months.
            #expect((read(payload)?.hotline.capacity ?? .max) <= generated(payload)?.hotline.capacity ?? 0)
        }
    }

    @Test func whatTheReaderTakesOfAnyBytesIsWhatSwiftProtobufReads() throws {
        var random = Xorshift(seed: 12)
        var (taken, left) = (0, 0)
        for _ in 0..<20_000 {
            var bytes = [UInt8](try submission(&random).serializedBytes() as Data)
            // A few bytes changed, cut or added, or a field repeated: most inputs stay protobuf of some shape.
            for _ in 0..<Int(random.next() % 3 + 1) {
                guard !bytes.isEmpty else { break }
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.removeSubrange(at...)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                default: bytes += bytes[at...].prefix(Int(random.next() % 8))
                }
            }
            let payload = Data(bytes)
            if let mine = read(payload) {
                taken += 1
                #expect(generated(payload) == mine, "\(bytes)")
            } else {
                left += 1
            }
            #expect((try? SignedEnvelope.decodeSubmission(payload)) == generated(payload), "\(bytes)")
        }
        // Both ways were taken often: the comparison above was made, and the fallback too.
        #expect(taken > 1_000 && left > 1_000, "\(taken) read field by field, \(left) left to SwiftProtobuf")
    }

    @Test func theCornersOfTheWireReadAsSwiftProtobufReadsThem() throws {
        let cases: [(String, [UInt8])] = [
            ("a rate's value before its key", [0x6a, 0x06, 0x12, 0x01, 0x39, 0x0a, 0x01, 0x6b]),
            ("a rate without a key", [0x6a, 0x03, 0x12, 0x01, 0x39]),
            ("a rate without a value", [0x6a, 0x03, 0x0a, 0x01, 0x6b]),
            ("an empty rate", [0x6a, 0x00]),
            (
                "the same metric twice",
                [0x6a, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x31, 0x6a, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x32]
            ),
            ("a key written twice in one rate", [0x6a, 0x06, 0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62]),
            ("a field written twice", [0x0a, 0x01, 0x61, 0x2a, 0x01, 0x44, 0x0a, 0x01, 0x62]),
            ("a negative count", [0x48] + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            ("a count beyond 32 bits", [0x50, 0x80, 0x80, 0x80, 0x80, 0x10]),
            ("a negative time", [0x70] + [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            ("a varint with a needless continuation", [0x58, 0x85, 0x00]),
            ("nothing at all", []),
        ]
        for (name, bytes) in cases {
            let payload = Data(bytes)
            #expect(generated(payload) != nil, "\(name): SwiftProtobuf refused it")
            #expect(read(payload) != nil, "\(name): not read field by field")
            #expect(read(payload) == generated(payload), "\(name)")
        }
    }

    @Test func whatTheReaderLeavesIsSwiftProtobufsToKeepOrRefuse() throws {
        // An unknown field is kept (SwiftProtobuf's unknown fields), not dropped.
        let unknown = Data([0x0a, 0x01, 0x61, 0x98, 0x01, 0x07])
        #expect(read(unknown) == nil)
        let kept = try SignedEnvelope.decodeSubmission(unknown)
        #expect(kept.submissionID == "a" && !kept.unknownFields.data.isEmpty)
        #expect(kept == generated(unknown))
        // Text that is not UTF-8, a field of the wrong wire type, a length past the end, an eleven-byte varint, a
        // rate with a third field: refused or read by SwiftProtobuf alone, exactly as before.
        let others: [[UInt8]] = [
            [0x0a, 0x02, 0xc3, 0x28],
            [0x08, 0x01],
            [0x4a, 0x01, 0x61],
            [0x0a, 0x05, 0x61],
            [0x48] + [UInt8](repeating: 0xff, count: 10) + [0x01],
            [0x6a, 0x05, 0x0a, 0x01, 0x6b, 0x18, 0x01],
        ]
        for bytes in others {
            let payload = Data(bytes)
            #expect(read(payload) == nil, "\(bytes)")
            #expect((try? SignedEnvelope.decodeSubmission(payload)) == generated(payload), "\(bytes)")
        }
        #expect(throws: (any Error).self) { try SignedEnvelope.decodeSubmission(Data([0x0a, 0x02, 0xc3, 0x28])) }
    }
}
