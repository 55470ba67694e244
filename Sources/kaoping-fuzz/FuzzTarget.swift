import Foundation
import KaopingCore
import KaopingWire
import SwiftProtobuf

/// One input through the aggregator's whole decoding and validation path, as it arrives on the ingest socket:
/// envelope (or each member of a batch), signature check, submission payload, the rules and the ledger. Also read as
/// a `kaoping score` line.
/// Nothing here may crash, whatever the bytes, and the aggregator's reading of a submission must be SwiftProtobuf's.
enum FuzzTarget {
    static let catalog = Catalog.zhongshan2023
    static let roster = try! Roster(
        workers: [Worker(id: "W0101", name: "甲", district: "D01"), Worker(id: "W0201", name: "乙", district: "D02")],
        catalog: .zhongshan2023)
    static let key = SigningIdentity.generate(for: "party_office")

    /// `asMember`: the bytes are a batch's member, which is not taken apart again (the aggregator refuses a batch in
    /// a batch).
    static func run(_ bytes: Data, asMember: Bool = false) {
        var ledger = Ledger(catalog: catalog, roster: roster)
        _ = submission(bytes)
        if let envelope = try? SignedEnvelope.decode(bytes) {
            _ = SignedEnvelope.verify(envelope, with: key.publicKey)
            if let wire = submission(envelope.payload) {
                let submission = Submission(wire: wire)
                _ = ledger.submit(submission)
                _ = ledger.submit(submission)
                _ = ledger.reopen(Reopen(key: submission.key, requestedBy: "operator", reason: "fuzz"))
                _ = Scoreboard(ledger: ledger).standings()
            }
            _ = try? SignedEnvelope.decodePayload(Kaoping_V1_ControlRequest.self, from: envelope.payload)
            _ = try? SignedEnvelope.decodePayload(Kaoping_V1_Receipt.self, from: envelope.payload)
            _ = try? SignedEnvelope.decodePayload(Kaoping_V1_ReceiptBatch.self, from: envelope.payload)
            precondition(
                EnvelopeBatch.isBatch(bytes) == (envelope.type == MessageType.batch.rawValue),
                "the ingest endpoint tells a batch otherwise than SwiftProtobuf")
            // Each member of a batch takes the path of a message of its own.
            if !asMember {
                for member in (try? EnvelopeBatch.members(of: bytes)) ?? [] { run(member, asMember: true) }
            }
        }
        if case .submission(let submission) = try? ScoreLine.decode(bytes) {
            _ = ledger.submit(submission)
        }
        _ = OfflineScorer(catalog: catalog, roster: roster).score(jsonLines: bytes).json()
        if let text = String(data: bytes, encoding: .utf8) {
            _ = try? ExactDecimal.parse(text)
            _ = try? Roster(csv: text, catalog: catalog)
        }
    }

    /// A submission payload decoded as the aggregator decodes it, which must be what SwiftProtobuf reads.
    private static func submission(_ payload: Data) -> Kaoping_V1_Submission? {
        let decoded = try? SignedEnvelope.decodeSubmission(payload)
        let generated = try? SignedEnvelope.decodePayload(Kaoping_V1_Submission.self, from: payload)
        precondition(decoded == generated, "the aggregator reads a submission otherwise than SwiftProtobuf")
        return decoded
    }
}

#if FUZZING
/// libFuzzer's entry point (`swift build --sanitize=fuzzer --sanitize=address -Xswiftc -DFUZZING`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.run(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}
#else
/// Without libFuzzer: replays files (the committed corpus and every crash found) through the same path.
@main
enum Replay {
    static func main() throws {
        var files: [URL] = []
        for argument in CommandLine.arguments.dropFirst() {
            let url = URL(fileURLWithPath: argument)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("kaoping-fuzz: \(argument) does not exist\n".utf8))
                exit(1)
            }
            if isFolder.boolValue {
                files += try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            } else {
                files.append(url)
            }
        }
        for file in files.sorted(by: { $0.path < $1.path }) {
            FuzzTarget.run(try Data(contentsOf: file))
        }
        print("kaoping-fuzz: replayed \(files.count) inputs without a crash")
    }
}
#endif
