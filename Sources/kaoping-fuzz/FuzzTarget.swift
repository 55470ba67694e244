import Foundation
import KaopingAgent
import KaopingCore
import KaopingWire
import SwiftProtobuf

/// The parsers of outside input, one fuzz target each: what arrives on the ingest and control sockets, what people
/// and programs hand the tools (a score line, a JSON Lines file, a spreadsheet's CSV, a keyring, a key file). Nothing
/// here may crash, whatever the bytes; where the aggregator reads protobuf by hand, it must read what SwiftProtobuf
/// reads. Each target does only its own parsing and what follows from it, so that libFuzzer runs it thousands of
/// times a second.
enum FuzzTarget: String, CaseIterable {
    /// An ingest message: envelope (or each member of a batch), signature check, submission payload, the rules and
    /// the ledger.
    case envelope
    /// A control request, as the control endpoint decodes it.
    case control
    /// One `kaoping score` line: strict JSON, then the rules and the ledger.
    case scoreLine = "score-line"
    /// A whole `kaoping score` input (JSON Lines), scored in a campaign of three districts; inputs over 1 KiB are
    /// cut, the scoring being per file.
    case scoreFile = "score-file"
    /// A file dropped in an agent's inbox: CSV with Chinese headings and encodings, JSON Lines or a JSON array.
    case inbox
    /// A keyring, a key file and a roster.
    case keys

    static let catalog = Catalog.zhongshan2023
    static let roster = try! Roster(
        workers: [Worker(id: "W0101", name: "甲", district: "D01"), Worker(id: "W0201", name: "乙", district: "D02")],
        catalog: .zhongshan2023)
    static let key = SigningIdentity.generate(for: "party_office")
    static let importer = SubmissionImport(catalog: catalog, roster: roster, submitter: "party_office")
    /// The campaign cut to its first three districts: the scorer's whole path at a fraction of a full campaign's
    /// cost per input (a score is built for every district, whatever the input names).
    static let smallCatalog = Catalog(
        campaign: catalog.campaign, title: catalog.title, districts: Array(catalog.districts.prefix(3)),
        submitters: catalog.submitters, operators: catalog.operators, indicators: catalog.indicators,
        hotline: catalog.hotline, districtGrades: catalog.districtGrades, workerRules: catalog.workerRules)

    func run(_ bytes: Data) {
        switch self {
        case .envelope: Self.envelope(bytes, asMember: false)
        case .control:
            if let envelope = try? SignedEnvelope.decode(bytes) {
                _ = try? SignedEnvelope.decodePayload(Kaoping_V1_ControlRequest.self, from: envelope.payload)
            }
            _ = try? Kaoping_V1_ControlRequest(serializedBytes: bytes)
        case .scoreLine:
            _ = try? StrictJSON.check(bytes)
            if case .submission(let submission) = try? ScoreLine.decode(bytes) {
                var ledger = Ledger(catalog: Self.catalog, roster: Self.roster)
                _ = ledger.submit(submission)
                _ = ledger.submit(submission)
            }
        case .scoreFile:
            _ = OfflineScorer(catalog: Self.smallCatalog, roster: Self.roster).score(jsonLines: bytes.prefix(1_024))
                .json()
        case .inbox:
            for name in ["p.csv", "p.jsonl", "p.json"] { _ = Self.importer.read(bytes, fileName: name) }
        case .keys:
            _ = try? KeyFile.parse(bytes)
            if let text = String(data: bytes, encoding: .utf8) {
                _ = try? Keyring(parsing: text)
                _ = try? Roster(csv: text, catalog: Self.catalog)
                _ = try? ExactDecimal.parse(text)
            }
        }
    }

    /// `asMember`: the bytes are a batch's member, which is not taken apart again (the aggregator refuses a batch in
    /// a batch).
    private static func envelope(_ bytes: Data, asMember: Bool) {
        guard let envelope = try? SignedEnvelope.decode(bytes) else {
            _ = submission(bytes)
            return
        }
        _ = SignedEnvelope.verify(envelope, with: key.publicKey)
        if let wire = submission(envelope.payload) {
            var ledger = Ledger(catalog: catalog, roster: roster)
            let submission = Submission(wire: wire)
            _ = ledger.submit(submission)
            _ = ledger.submit(submission)
            _ = ledger.reopen(Reopen(key: submission.key, requestedBy: "operator", reason: "fuzz"))
        }
        _ = try? SignedEnvelope.decodePayload(Kaoping_V1_Receipt.self, from: envelope.payload)
        _ = try? SignedEnvelope.decodePayload(Kaoping_V1_ReceiptBatch.self, from: envelope.payload)
        precondition(
            EnvelopeBatch.isBatch(bytes) == (envelope.type == MessageType.batch.rawValue),
            "the ingest endpoint tells a batch otherwise than SwiftProtobuf")
        // Each member of a batch takes the path of a message of its own.
        if !asMember {
            for member in (try? EnvelopeBatch.members(of: bytes)) ?? [] { Self.envelope(member, asMember: true) }
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
/// The target `KAOPING_FUZZ_TARGET` names (`make fuzz` runs each in turn).
let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["KAOPING_FUZZ_TARGET"] ?? FuzzTarget.envelope.rawValue
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("kaoping-fuzz: no target '\(name)'; the targets are \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point (`swift build --sanitize=fuzzer --sanitize=address -Xswiftc -DFUZZING`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzTarget.run(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}
#else
/// Without libFuzzer: replays files (the committed corpora and every crash found, folders searched whole) through
/// every target.
@main
enum Replay {
    static func main() throws {
        var files: [URL] = []
        for argument in CommandLine.arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("kaoping-fuzz: \(argument) does not exist\n".utf8))
                exit(1)
            }
            guard isFolder.boolValue else {
                files.append(URL(fileURLWithPath: argument))
                continue
            }
            let walk = FileManager.default.enumerator(
                at: URL(fileURLWithPath: argument), includingPropertiesForKeys: [.isRegularFileKey])
            while let url = walk?.nextObject() as? URL {
                if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { files.append(url) }
            }
        }
        for file in files.sorted(by: { $0.path < $1.path }) {
            let bytes = try Data(contentsOf: file)
            for target in FuzzTarget.allCases { target.run(bytes) }
        }
        let targets = FuzzTarget.allCases.count
        print("kaoping-fuzz: replayed \(files.count) inputs through \(targets) targets without a crash")
    }
}
#endif
