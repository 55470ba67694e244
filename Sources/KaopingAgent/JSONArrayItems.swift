import Foundation

/// The items of a JSON array, each with the number of the line it starts on (1-based, as ``ScoreLine/lines(of:)``
/// numbers lines), for a `.json` file that holds one array of submissions (as a script's `json.dump(rows)` writes
/// it) instead of one object per line.
///
/// Only the array's own commas and brackets are found here (strings and nested values are skipped whole); each item
/// is then decoded like a line of JSON Lines, so that both forms are checked by the same rules and reported with the
/// same words, and a problem names the line its item starts on.
enum JSONArrayItems {
    struct Problem: Error {
        let line: Int
        let message: String
    }

    /// Whether `bytes` (without a BOM) start, after blanks, with `[`.
    static func isArray(_ bytes: Data) -> Bool {
        bytes.first { !isBlank($0) } == UInt8(ascii: "[")
    }

    static func items(of bytes: Data) throws(Problem) -> [(number: Int, bytes: Data)] {
        var items: [(number: Int, bytes: Data)] = []
        var line = 1
        var index = bytes.startIndex
        func skipBlanks() {
            while index < bytes.endIndex, isBlank(bytes[index]) {
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                index += 1
            }
        }
        skipBlanks()
        let opening = line
        index += 1  // the `[` that `isArray` saw
        skipBlanks()
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                let start = index
                let startLine = line
                var depth = 0
                var inString = false
                var escaped = false
                scan: while index < bytes.endIndex {
                    let byte = bytes[index]
                    if inString {
                        if escaped {
                            escaped = false
                        } else if byte == UInt8(ascii: "\\") {
                            escaped = true
                        } else if byte == UInt8(ascii: "\"") {
                            inString = false
                        }
                    } else {
                        let closes = byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
                        if byte == UInt8(ascii: "\"") {
                            inString = true
                        } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                            depth += 1
                        } else if depth == 0, byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") {
                            break scan  // the end of this item
                        } else if closes, depth > 0 {
                            depth -= 1
                        }
                    }
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
                guard index < bytes.endIndex else {
                    throw Problem(
                        line: opening,
                        message: "the JSON array that starts here is never closed with ']'; "
                            + "check the end of the file (or write one JSON object per line)")
                }
                var end = index
                while end > start, isBlank(bytes[end - 1]) { end -= 1 }
                items.append((startLine, Data(bytes[start..<end])))
                let separator = bytes[index]
                index += 1
                if separator == UInt8(ascii: "]") { break }
                skipBlanks()
            }
        }
        skipBlanks()
        guard index == bytes.endIndex else {
            throw Problem(
                line: line,
                message: "something follows the JSON array's closing ']'; a .json file holds one array of "
                    + "submissions (or write one JSON object per line)")
        }
        return items
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
