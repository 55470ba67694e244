import Testing
@testable import KaopingCore

/// `CSVTable.field` writes what `CSVTable(parsing:)` (and a spreadsheet) reads back: the ranking export and the agent's
/// `submit` both write CSV with it.
@Suite struct CSVTableTests {
    private func readBack(_ rows: [[String]], separator: String) throws -> [[String]] {
        let text = rows.map { $0.map(CSVTable.field).joined(separator: ",") }.joined(separator: separator) + separator
        return try CSVTable(parsing: text).rows.map(\.fields)
    }

    @Test func everyTroublesomeFieldReadsBackAsItWasWritten() throws {
        let values = [
            "plain", "a,b", "say \"hi\"", "\"", "line\nbreak", "line\r\nbreak", "lone\rreturn", "社区1", " spaced ", "",
            "trailing,", "\r\n",
        ]
        for value in values {
            #expect(try readBack([["id", value, "end"]], separator: "\r\n") == [["id", value, "end"]], "\(value)")
        }
        #expect(try readBack([["id"] + values], separator: "\n") == [["id"] + values])
    }

    @Test func plainFieldsAreWrittenAsTheyAre() {
        for value in ["13.5", "社区1", "leader:D07", " a b ", ""] {
            #expect(CSVTable.field(value) == value)
        }
        #expect(CSVTable.field("a\nb") == "\"a\nb\"")
        #expect(CSVTable.field("a\r\nb") == "\"a\r\nb\"")
        #expect(CSVTable.field("x\"y") == "\"x\"\"y\"")
    }

    @Test func randomTablesReadBackRowForRow() throws {
        var generator = SplitMix64(seed: 7)
        let pieces = ["a", "社区", ",", "\"", "\r", "\n", "\r\n", " ", "9.5", "\u{FEFF}"]
        for round in 0..<300 {
            let rows = (0..<Int(generator.next() % 5 + 1)).map { row in
                // A leading id keeps every row non-blank (the reader skips rows whose fields are all blank).
                ["r\(row)"] + (0..<Int(generator.next() % 4)).map { _ in
                    (0..<Int(generator.next() % 5)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
                        .joined()
                }
            }
            #expect(try readBack(rows, separator: round % 2 == 0 ? "\r\n" : "\n") == rows, "\(rows)")
        }
    }
}
