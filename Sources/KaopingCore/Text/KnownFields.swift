/// A field a configuration file does not know: most often a typo (`max_bacth`), which would otherwise be ignored and
/// leave the default in force without a word.
public struct UnknownFieldError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where it is, such as `limits.max_bacth`.
    public let path: String
    public let known: [String]

    public init(path: String, known: [String]) {
        self.path = path
        self.known = known
    }

    public var description: String {
        "unknown field '\(path)'; the fields here are \(known.joined(separator: ", "))"
    }
}

extension Decoder {
    /// Throws ``UnknownFieldError`` when the object being decoded has a field that is not one of `keys`.
    public func refuseUnknownFields<Keys: CodingKey & CaseIterable>(besides keys: Keys.Type) throws {
        let known = Keys.allCases.map(\.stringValue)
        let prefix = codingPath.map(\.stringValue).joined(separator: ".")
        for field in try container(keyedBy: FieldName.self).allKeys where !known.contains(field.stringValue) {
            throw UnknownFieldError(
                path: prefix.isEmpty ? field.stringValue : "\(prefix).\(field.stringValue)", known: known)
        }
    }
}

private struct FieldName: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension UnknownFieldError {
    /// The unknown field behind `error`, which a decoder may have wrapped (Yams reports it as corrupted data).
    public static func within(_ error: any Error) -> UnknownFieldError? {
        if let error = error as? UnknownFieldError { return error }
        guard let error = error as? DecodingError else { return nil }
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            return context.underlyingError.flatMap(within)
        @unknown default:
            return nil
        }
    }
}
