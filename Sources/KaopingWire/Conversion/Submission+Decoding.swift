import Foundation

extension SignedEnvelope {
    /// Decodes a submission payload as SwiftProtobuf does, with the protocol's limits. The shape every client sends
    /// — known fields with their own wire types, map entries of a key and a value — is read field by field; any other
    /// input (an unknown field, a wrong wire type, text that is not UTF-8, a malformed varint) goes to SwiftProtobuf,
    /// which keeps unknown fields and refuses the rest. SwiftProtobuf builds a nested decoder and a map entry for
    /// each of a hotline month's rates: 2.2 µs for a month's payload against 0.35 for a district indicator's (this
    /// reading: 0.9), and a city sends twelve months for each district. Tests compare both readings over random and
    /// mutated payloads, and the fuzz target over every input it is given.
    public static func decodeSubmission(_ payload: Data) throws -> Kaoping_V1_Submission {
        if let submission = payload.withUnsafeBytes(SubmissionReader.read) { return submission }
        return try decodePayload(Kaoping_V1_Submission.self, from: payload)
    }
}

/// The field-by-field reading of ``SignedEnvelope/decodeSubmission(_:)``: nil for anything outside its shape.
enum SubmissionReader {
    static func read(_ bytes: UnsafeRawBufferPointer) -> Kaoping_V1_Submission? {
        var reader = ProtobufReader(bytes)
        var submission = Kaoping_V1_Submission()
        while !reader.atEnd {
            guard let tag = reader.varint() else { return nil }
            switch (tag >> 3, tag & 7) {
            case (1...8, 2), (12, 2):
                guard let text = reader.string() else { return nil }
                switch tag >> 3 {
                case 1: submission.submissionID = text
                case 2: submission.submitter = text
                case 3: submission.campaign = text
                case 4: submission.indicator = text
                case 5: submission.district = text
                case 6: submission.worker = text
                case 7: submission.period = text
                case 8: submission.score = text
                default: submission.note = text
                }
            case (9...11, 0):
                guard let value = reader.varint() else { return nil }
                let count = Int32(truncatingIfNeeded: value)
                switch tag >> 3 {
                case 9: submission.respondents = count
                case 10: submission.keyRespondents = count
                default: submission.participants = count
                }
            case (13, 2):
                // Room for every rate at once, the entries that follow counted ahead: grown one insertion at a time,
                // a month's table cost 0.2 µs more; reserved larger, the ledger's thousands of months cost memory.
                if submission.hotline.isEmpty {
                    submission.hotline.reserveCapacity(1 + entries(of: tag, after: reader))
                }
                guard let entry = reader.delimited() else { return nil }
                var entryReader = ProtobufReader(entry)
                var (key, value) = ("", "")
                while !entryReader.atEnd {
                    guard let entryTag = entryReader.varint(), entryTag == 1 << 3 | 2 || entryTag == 2 << 3 | 2,
                        let text = entryReader.string()
                    else { return nil }
                    if entryTag >> 3 == 1 { key = text } else { value = text }
                }
                submission.hotline[key] = value
            case (14, 0):
                guard let value = reader.varint() else { return nil }
                submission.signedAtMs = Int64(bitPattern: value)
            default:
                return nil
            }
        }
        return submission
    }

    /// How many fields after the current one (where `reader` is) carry `tag`, reading ahead as far as the bytes make
    /// sense: what follows is read again anyway.
    private static func entries(of tag: UInt64, after reader: ProtobufReader) -> Int {
        var ahead = reader
        var count = 0
        _ = ahead.delimited()
        while !ahead.atEnd, let next = ahead.varint(), ahead.skip(next) {
            if next == tag { count += 1 }
        }
        return count
    }
}
