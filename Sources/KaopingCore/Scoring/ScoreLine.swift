import Foundation

/// One line of a `kaoping score` input: a submission or an operator's reopen, in the JSON of docs/scoring.md.
public enum ScoreLine: Hashable, Sendable {
    case submission(Submission)
    /// A reopen, with the `submission_id` the line gave, if any.
    case reopen(Reopen, id: String)

    /// The non-blank lines of a JSON Lines file with their 1-based numbers (blank lines are counted), without a leading
    /// BOM: LF and CR LF line ends alike, as a file saved on Windows has them (a line's CR stays, a blank to JSON).
    public static func lines(of input: Data) -> [(number: Int, bytes: Data)] {
        let bytes = input.droppingByteOrderMark()
        var lines: [(Int, Data)] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let isBlank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if !isBlank { lines.append((index + 1, Data(line))) }
        }
        return lines
    }

    /// Decodes one JSON object; a failure is check 1 of RULES.md §6 (malformed), with a reason to act on.
    ///
    /// Absent or `null` fields are empty or zero; unknown fields are ignored; decimals must be JSON strings. The line
    /// must be the JSON of RFC 8259 exactly (``StrictJSON``).
    public static func decode(_ json: Data) throws(Rejection) -> ScoreLine {
        do {
            try StrictJSON.check(json)
        } catch {
            throw .invalid(
                "the line is not valid JSON: \(error.problem) (column \(error.column)); write one JSON object per line")
        }
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: json)
        } catch let error as DecodingError {
            throw .invalid(Self.reason(for: error))
        } catch {
            throw .invalid("the line is not valid JSON; write one JSON object per line")
        }
        switch fields.action ?? "" {
        case "", "submit":
            guard let id = fields.submission_id, !id.isEmpty else {
                throw .invalid("submission_id is missing or empty; give every submission a unique id")
            }
            return .submission(fields.submission(id: id))
        case "reopen":
            let reopen = Reopen(
                key: fields.submission(id: "").key, requestedBy: fields.submitter ?? "", reason: fields.reason ?? "")
            return .reopen(reopen, id: fields.submission_id ?? "")
        case let action:
            throw .invalid("unknown action '\(action)'; leave action out for a submission, or use \"reopen\"")
        }
    }

    /// The submission id given on the line, if any, for reports about lines that were refused.
    public var submissionID: String {
        switch self {
        case .submission(let submission): return submission.id
        case .reopen(_, let id): return id
        }
    }

    /// The `submission_id` of a line that may not decode as a whole, or "" when it has none.
    public static func submissionID(in json: Data) -> String {
        struct IdentifierOnly: Decodable {
            var submission_id: String?  // swiftlint:disable:this identifier_name
        }
        guard (try? StrictJSON.check(json)) != nil else { return "" }
        return (try? JSONDecoder().decode(IdentifierOnly.self, from: json))?.submission_id ?? ""
    }

    /// The fields of the JSON object, as the contract names them.
    private struct Fields: Decodable {
        // swiftlint:disable identifier_name
        var action: String?
        var submission_id: String?
        var submitter: String?
        var campaign: String?
        var indicator: String?
        var district: String?
        var worker: String?
        var period: String?
        var score: String?
        var respondents: WholeNumber?
        var key_respondents: WholeNumber?
        var participants: WholeNumber?
        var note: String?
        var reason: String?
        var hotline: [String: String?]?
        // swiftlint:enable identifier_name

        func submission(id: String) -> Submission {
            Submission(
                id: id, submitter: submitter ?? "", campaign: campaign ?? "", indicator: indicator ?? "",
                district: district ?? "", worker: worker ?? "", period: period ?? "", score: score ?? "",
                respondents: respondents?.value ?? 0, keyRespondents: key_respondents?.value ?? 0,
                participants: participants?.value ?? 0,
                note: note ?? "", hotline: (hotline ?? [:]).compactMapValues { $0 })
        }
    }

    /// A count: a JSON number that is a whole number (`30`, or `30.0` and `3e1` as some writers put it).
    private struct WholeNumber: Decodable {
        let value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let whole = try? container.decode(Int.self) {
                value = whole
            } else if let number = try? container.decode(Double.self), number.rounded() == number,
                abs(number) < 1e15
            {
                value = Int(number)
            } else if (try? container.decode(Double.self)) != nil {
                throw DecodingError.typeMismatch(
                    Int.self, .init(codingPath: decoder.codingPath, debugDescription: "not a whole number"))
            } else {
                value = try container.decode(Int.self)
            }
        }
    }

    private static func reason(for error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            if field.isEmpty { return "the line is not a JSON object; write one object per line" }
            if type == String.self {
                return "\(field) must be a JSON string; write decimals in quotes, such as \"13.5\""
            }
            if type == Int.self { return "\(field) must be a whole number, such as 30" }
            return "\(field) has the wrong type; see the input format of kaoping score"
        case .dataCorrupted(let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            if field.isEmpty { return "the line is not valid JSON; write one JSON object per line" }
            return "\(field) is not a value of the right kind; counts are whole numbers, decimals are strings"
        case .keyNotFound, .valueNotFound:
            return "the line is not a submission; see the input format of kaoping score"
        @unknown default:
            return "the line is not valid JSON; write one JSON object per line"
        }
    }
}
