/// A CSV document read per RFC 4180 (quoted fields, doubled quotes, CRLF or LF), with the line each row starts on.
///
/// A leading UTF-8 byte order mark is dropped; rows whose fields are all blank (as spreadsheets export) are skipped.
public struct CSVTable: Sendable {
    /// One record and the 1-based line it starts on.
    public struct Row: Sendable, Equatable {
        public let line: Int
        public let fields: [String]
    }

    /// Why a text is not CSV.
    public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public let rows: [Row]

    /// Reads `text`; fails only on a quoted field left open at the end.
    public init(parsing text: String) throws(FormatError) {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var rowLine = 1
        var inQuotes = false
        var quoteOpenedOn = 1
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }

        func endRow() {
            fields.append(field)
            field = ""
            if !fields.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) {
                rows.append(Row(line: rowLine, fields: fields))
            }
            fields = []
        }

        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let scalar = pending {
            pending = iterator.next()
            if inQuotes {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = iterator.next()
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty:
                inQuotes = true
                quoteOpenedOn = line
            case ",":
                fields.append(field)
                field = ""
            case "\r" where pending == "\n":
                break
            case "\n", "\r":
                endRow()
                line += 1
                rowLine = line
            default:
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes {
            throw FormatError(line: quoteOpenedOn, message: "a quoted field is never closed; add the closing '\"'")
        }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        self.rows = rows
    }

    /// `text` written as one CSV field, the way this reader (and a spreadsheet) reads it back: in quotes, its quotes
    /// doubled, when it holds a comma, a quote or a line break; as it is otherwise. Looked for scalar by scalar: as
    /// `Character`s, CR LF is one and matches neither CR nor LF.
    public static func field(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// ``field(_:)`` for a file people open in a spreadsheet: a text that it would run as a formula (starting with
    /// = + - @) gets a leading apostrophe, which the spreadsheet shows as text.
    public static func spreadsheetField(_ text: String) -> String {
        guard let first = text.first, "=+-@".contains(first) else { return field(text) }
        return field("'" + text)
    }
}
