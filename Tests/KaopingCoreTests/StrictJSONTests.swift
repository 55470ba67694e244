import Foundation
import KaopingCore
import Testing

/// RFC 8259 and nothing more: each form some readers take is refused at its place, with words that say what to write.
@Suite struct StrictJSONTests {
    private func problem(_ text: String) -> JSONSyntaxError? {
        do {
            try StrictJSON.check(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func jsonAsTheRFCWritesItPasses() {
        for text in [
            #"{"a": [1, -0.5, 2e10, 3E-2, 0, true, false, null], "b": {"c": "é\u00e9\n\"\\\/"}}"#,
            " \r\n\t[]\n", "\"x\"", "-0", "{}", "[[[]]]", #"{"中文": "居民区01"}"#,
        ] {
            #expect(problem(text) == nil, "\(text)")
        }
    }

    @Test func eachFormOutsideTheRFCIsRefusedAtItsPlace() {
        let cases: [(text: String, column: Int, words: String)] = [
            (#"{"a": 1,}"#, 9, "a comma before }"),
            (#"[1, 2,]"#, 7, "a comma before ]"),
            (#"{"a": 01}"#, 7, "leading zero"),
            (#"{"a": NaN}"#, 7, "NaN and Infinity"),
            (#"{"a": -Infinity}"#, 8, "NaN and Infinity"),
            (#"{"a": Infinity}"#, 7, "NaN and Infinity"),
            (#"{"a": 1} // note"#, 10, "a comment"),
            (#"{"a": /* x */ 1}"#, 7, "a comment"),
            (#"{'a': 1}"#, 2, "single quotes"),
            (#"{"a": 'b'}"#, 7, "single quotes"),
            (#"{a: 1}"#, 2, "without double quotes"),
            ("{\"a\": \"x\ty\"}", 9, "a raw control character (U+0009)"),
            ("{\"a\": \"中\ny\"}", 9, "a raw control character (U+000A)"),
            (#"{"a": +1}"#, 7, "starting with +"),
            (#"{"a": .5}"#, 7, "starting with a point"),
            (#"{"a": 5.}"#, 9, "decimal point"),
            (#"{"a": "\x"}"#, 9, "unknown escape"),
            (#"{"a": "\u12"}"#, 12, "four hexadecimal digits"),
            (#"{"a": 1 "b": 2}"#, 9, "a missing comma"),
            (#"{"a": 1"#, 8, "ends inside an object"),
            (#"{"a": tru}"#, 7, "cannot start a JSON value"),
            (#"{"a": 1}{"b": 2}"#, 9, "more text after the end"),
            ("", 1, "ends where a value should be"),
        ]
        for (text, column, words) in cases {
            let error = problem(text)
            #expect(error?.line == 1 && error?.column == column, "\(text): \(String(describing: error))")
            #expect(error?.problem.contains(words) == true, "\(text): \(String(describing: error))")
        }
    }

    /// Columns count characters, not bytes, and lines start again after each line break.
    @Test func thePlaceIsTheLineAndTheCharacter() {
        let error = problem("{\n  \"名称\": \"居民区\",\n  \"值\": 01\n}")
        #expect(
            error
                == JSONSyntaxError(line: 3, column: 8, problem: "a number with a leading zero; JSON writes 1, not 01"))
    }

    @Test func deepNestingIsRefusedNotFollowed() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(problem(deep)?.problem.contains("nested more than") == true)
        let depth = StrictJSON.maximumDepth
        let allowed = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(problem(allowed) == nil)
    }
}
