/// Where a text is not JSON, and what is wrong there, in words for whoever wrote it.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line of the text.
    public let line: Int
    /// 1-based column of that line, counted in characters.
    public let column: Int
    public let problem: String

    public init(line: Int, column: Int, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    public var description: String { "line \(line), column \(column): \(problem)" }
}

/// The JSON of RFC 8259 and nothing more: one value, with no trailing commas, comments, leading zeros, NaN or
/// Infinity, single quotes, unquoted names, or raw control characters in strings — forms that some readers take and
/// others refuse, so that a line two programs read differently never counts as accepted by one of them.
/// (Foundation's `JSONDecoder` takes some of them; it decodes only what passed here.)
public enum StrictJSON {
    /// Nesting deeper than this is refused rather than followed (a hostile input must not exhaust the stack).
    public static let maximumDepth = 256

    /// Checks that `bytes` hold exactly one JSON value, with blanks around it at most.
    public static func check(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) {
        let bytes = Array(bytes)
        var reader = Reader(bytes: bytes)
        reader.skipBlanks()
        try reader.value(depth: 0)
        reader.skipBlanks()
        if reader.index < bytes.count {
            throw reader.error(
                reader.peek == UInt8(ascii: "/")
                    ? "a comment; JSON has none"
                    : "more text after the end of the JSON value; write one value (one object per line)")
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipBlanks() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        /// The error at the current position.
        func error(_ problem: String) -> JSONSyntaxError {
            var (line, column) = (1, 1)
            for byte in bytes[..<min(index, bytes.count)] {
                if byte == 0x0A {
                    (line, column) = (line + 1, 1)
                } else if byte & 0xC0 != 0x80 {
                    column += 1  // the first byte of a character
                }
            }
            return JSONSyntaxError(line: line, column: column, problem: problem)
        }

        mutating func expect(_ byte: UInt8, _ problem: @autoclosure () -> String) throws(JSONSyntaxError) {
            guard peek == byte else { throw error(peek == nil ? "the text ends too early" : problem()) }
            index += 1
        }

        mutating func value(depth: Int) throws(JSONSyntaxError) {
            guard depth < StrictJSON.maximumDepth else {
                throw error("values nested more than \(StrictJSON.maximumDepth) deep")
            }
            guard let byte = peek else { throw error("the text ends where a value should be") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try word("true")
            case UInt8(ascii: "f"): try word("false")
            case UInt8(ascii: "n"): try word("null")
            default: throw error(Self.notAValue(byte))
            }
        }

        /// What a byte that cannot start a value most likely means.
        static func notAValue(_ byte: UInt8) -> String {
            switch byte {
            case UInt8(ascii: "'"): return "a string in single quotes; JSON strings take double quotes"
            case UInt8(ascii: "/"): return "a comment; JSON has none"
            case UInt8(ascii: "N"), UInt8(ascii: "I"): return "NaN and Infinity are not JSON numbers"
            case UInt8(ascii: "+"): return "a number starting with +; write it without the sign"
            case UInt8(ascii: "."): return "a number starting with a point; write 0 before it, such as 0.5"
            case UInt8(ascii: ","): return "a comma where a value should be (two commas in a row?)"
            case UInt8(ascii: "}"), UInt8(ascii: "]"): return "a value is missing before the closing bracket"
            default: return "'\(Self.shown(byte))' cannot start a JSON value; strings take double quotes"
            }
        }

        static func shown(_ byte: UInt8) -> String {
            byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "byte 0x" + String(byte, radix: 16)
        }

        mutating func object(depth: Int) throws(JSONSyntaxError) {
            if opensEmpty(closedBy: UInt8(ascii: "}")) { return }
            repeat {
                guard peek == UInt8(ascii: "\"") else {
                    switch peek {
                    case nil: throw error("the text ends inside an object; close it with }")
                    case UInt8(ascii: "}"): throw error("a comma before }; JSON takes none after the last member")
                    case UInt8(ascii: "'"): throw error("a name in single quotes; JSON names take double quotes")
                    case UInt8(ascii: "/"): throw error("a comment; JSON has none")
                    default: throw error("a member name without double quotes; write it as \"name\"")
                    }
                }
                try string()
                skipBlanks()
                try expect(UInt8(ascii: ":"), "a colon should follow the member name")
                skipBlanks()
                try value(depth: depth + 1)
            } while try !closes(UInt8(ascii: "}"), inside: "an object", after: "a member")
        }

        mutating func array(depth: Int) throws(JSONSyntaxError) {
            if opensEmpty(closedBy: UInt8(ascii: "]")) { return }
            repeat {
                if peek == UInt8(ascii: "]") { throw error("a comma before ]; JSON takes none after the last item") }
                try value(depth: depth + 1)
            } while try !closes(UInt8(ascii: "]"), inside: "an array", after: "an item")
        }

        /// Steps over an object's or array's opening bracket; true when `close` follows at once (it is empty).
        mutating func opensEmpty(closedBy close: UInt8) -> Bool {
            index += 1
            skipBlanks()
            guard peek == close else { return false }
            index += 1
            return true
        }

        /// After a member or an item: true at `close` (stepped over), false after a comma (another must follow).
        mutating func closes(_ close: UInt8, inside what: String, after element: String) throws(JSONSyntaxError)
            -> Bool
        {
            skipBlanks()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
                skipBlanks()
                return false
            case close:
                index += 1
                return true
            case nil: throw error("the text ends inside \(what); close it with \(Self.shown(close))")
            case UInt8(ascii: "/"): throw error("a comment; JSON has none")
            default: throw error("a comma or \(Self.shown(close)) should follow \(element) (a missing comma?)")
            }
        }

        mutating func string() throws(JSONSyntaxError) {
            index += 1  // "
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = peek else { break }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        for _ in 0..<4 {
                            guard let hex = peek, Self.isHexDigit(hex) else {
                                throw error("\\u takes four hexadecimal digits, such as \\u00e9")
                            }
                            index += 1
                        }
                    default:
                        throw error(
                            "an unknown escape \\\(Self.shown(escaped)); JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                                + "and \\uXXXX")
                    }
                case 0x00..<0x20:
                    throw error(
                        "a raw control character (U+\(String(format4: byte))) inside a string; write it escaped, "
                            + "such as \\n for a line break or \\t for a tab")
                default:
                    index += 1
                }
            }
            throw error("the text ends inside a string; close it with \"")
        }

        static func isHexDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }

        mutating func digits() -> Int {
            let start = index
            while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
            return index - start
        }

        mutating func number() throws(JSONSyntaxError) {
            if peek == UInt8(ascii: "-") {
                index += 1
                if peek == UInt8(ascii: "I") { throw error("NaN and Infinity are not JSON numbers") }
            }
            if peek == UInt8(ascii: "0") {
                if index + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
                    throw error("a number with a leading zero; JSON writes 1, not 01")
                }
                index += 1
            } else if digits() == 0 {
                throw error("a digit should follow the minus sign")
            }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw error("a digit should follow the decimal point, such as 5.0") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw error("a digit should follow the exponent's e") }
            }
        }

        mutating func word(_ word: StaticString) throws(JSONSyntaxError) {
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard bytes.count - index >= expected.count, bytes[index..<index + expected.count].elementsEqual(expected)
            else {
                throw error("'\(Self.shown(bytes[index]))' cannot start a JSON value; strings take double quotes")
            }
            index += expected.count
        }
    }
}

extension String {
    /// `byte` as four uppercase hexadecimal digits, as Unicode code points are written (U+000A).
    fileprivate init(format4 byte: UInt8) {
        let hex = String(byte, radix: 16, uppercase: true)
        self = String(repeating: "0", count: 4 - hex.count) + hex
    }
}
