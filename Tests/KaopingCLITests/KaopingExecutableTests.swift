import Foundation
import KaopingTestSupport
import Testing

/// Runs the real `kaoping` binary, as a clerk or a script would.
@Suite struct KaopingExecutableTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let binary: URL = {
        // The test bundle sits next to the executables in the build folder.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("kaoping").path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("kaoping")
    }()

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A failure says what is wrong in one or two lines and never shows a stack trace.
    private func expectCleanFailure(_ run: Run, mentioning words: [String]) {
        #expect(run.status != 0)
        let lines = run.stderr.split(separator: "\n")
        #expect((1...2).contains(lines.count), "stderr: \(run.stderr)")
        for word in words { #expect(run.stderr.contains(word), "stderr: \(run.stderr)") }
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"))
    }

    private let line =
        #"{"submission_id": "a", "submitter": "party_office", "campaign": "zhongshan-2023", "#
        + #""indicator": "party_building", "district": "D01", "score": "13.5"}"#

    @Test func scorePrintsTheContractJSON() throws {
        let input = try Scratch.file("in.jsonl", line + "\n")
        let run = try Self.run(["score", "--input", input])
        #expect(run.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["campaign"] as? String == "zhongshan-2023")
        let first = (json["districts"] as? [[String: Any]])?.first
        #expect(first?["total"] as? String == "13.50")
        #expect(run.stdout.split(separator: "\n").count == 1)
    }

    /// A resend of an accepted line in a form that is not JSON (RFC 8259) is malformed: refused with its line and
    /// column, never counted as a duplicate; what was accepted stands.
    @Test func scoreRefusesEachFormThatIsNotJSONAndKeepsWhatWasAccepted() throws {
        let forms = [
            String(line.dropLast()) + ",}", String(line.dropLast()) + #", "x": 01}"#,
            String(line.dropLast()) + #", "x": NaN}"#, line + " // again",
            line.replacingOccurrences(of: #""score""#, with: "'score'"),
            line.replacingOccurrences(of: #""score""#, with: "score"),
            String(line.dropLast()) + ", \"x\": \"a\tb\"}",
        ]
        let input = try Scratch.file("in.jsonl", ([line] + forms).joined(separator: "\n") + "\n")
        let run = try Self.run(["score", "--input", input])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["duplicates"] as? Int == 0)
        let rejected = try #require(json["rejected"] as? [[String: Any]])
        #expect(rejected.map { $0["line"] as? Int } == Array(2...(forms.count + 1)))
        for refusal in rejected {
            #expect(refusal["status"] as? String == "invalid")
            let reason = refusal["reason"] as? String ?? ""
            #expect(reason.hasPrefix("the line is not valid JSON: ") && reason.contains("(column "), "\(reason)")
        }
        let first = (json["districts"] as? [[String: Any]])?.first
        #expect(first?["district"] as? String == "D01" && first?["total"] as? String == "13.50")
    }

    @Test func scoreReadsStandardInput() throws {
        let run = try Self.run(["score", "--input", "-"], stdin: line)
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"13.50\""))
    }

    @Test func scoreTableAlignsChineseColumns() throws {
        let roster = try Scratch.file("roster.csv", "\u{FEFF}id,name,district\nW0101,王小明,D01\n")
        let input = try Scratch.file("in.jsonl", line + "\n{bad\n")
        let run = try Self.run(["score", "--input", input, "--roster", roster, "--format", "table"])
        #expect(run.status == 0)
        let rows = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(rows.firstIndex { $0.contains("居民区") && $0.contains("总分") })
        let tableRows = rows[header...].prefix { !$0.isEmpty }
        #expect(tableRows.count == 24)  // heading, rule, 22 districts
        let totalColumn = DisplayWidthProbe.columnEnd(of: "总分", in: rows[header])
        for row in tableRows.dropFirst(2) {
            #expect(DisplayWidthProbe.columnEnd(ofFieldAt: 11, in: row) == totalColumn, "misaligned: \(row)")
        }
        #expect(run.stdout.contains("临时排名 provisional"))
        #expect(run.stdout.contains("line 2"))
        #expect(run.stdout.contains("王小明 W0101"))
    }

    @Test func missingInputFileFailsCleanly() throws {
        expectCleanFailure(try Self.run(["score", "--input", "/nonexistent/x.jsonl"]), mentioning: ["no such file"])
    }

    @Test func folderAsInputFailsCleanly() throws {
        expectCleanFailure(try Self.run(["score", "--input", "/tmp"]), mentioning: ["folder"])
    }

    @Test func badRosterFailsTheWholeRun() throws {
        let input = try Scratch.file("in.jsonl", line + "\n")
        let roster = try Scratch.file("roster.csv", "id,name,district\nW1,a,D01\nW1,b,D02\n")
        expectCleanFailure(
            try Self.run(["score", "--input", input, "--roster", roster]),
            mentioning: ["roster.csv:3: worker id W1 appears twice"])
        let unknown = try Scratch.file("roster.csv", "id,name,district\nW1,a,D31\n")
        expectCleanFailure(try Self.run(["score", "--input", input, "--roster", unknown]), mentioning: ["D31"])
    }

    @Test func badCatalogFailsNamingTheLine() throws {
        let input = try Scratch.file("in.jsonl", line + "\n")
        let catalog = try Scratch.file("catalog.yaml", "campaign: x\nnonsense: [\n")
        expectCleanFailure(
            try Self.run(["score", "--input", input, "--catalog", catalog]), mentioning: ["catalog.yaml:"])
    }

    @Test func catalogShowThenCheckRoundTrips() throws {
        let shown = try Self.run(["catalog", "show"])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("campaign: \"zhongshan-2023\""))
        let file = try Scratch.file("catalog.yaml", shown.stdout)
        let check = try Self.run(["catalog", "check", file])
        #expect(check.status == 0)
        #expect(check.stdout.contains("ok"))
        let broken = try Scratch.file(
            "catalog.yaml", shown.stdout.replacingOccurrences(of: "weight: \"0.2\"", with: "weight: \"0.25\""))
        expectCleanFailure(try Self.run(["catalog", "check", broken]), mentioning: ["add up to 1.05"])
    }

    @Test func keysAddAppendsToAKeyringSavedOnWindows() throws {
        let (first, second) = (
            Data(repeating: 1, count: 32).base64EncodedString(), Data(repeating: 2, count: 32).base64EncodedString()
        )
        let keyring = try Scratch.file("keyring.txt", "\u{FEFF}# keyring\r\nparty_office \(first)\r\n")
        let added = try Self.run([
            "keys", "add", "--keyring", keyring, "--submitter", "leader:D01", "--public-key", second,
        ])
        #expect(added.status == 0, "\(added.stderr)")
        let listed = try Self.run(["keys", "list", "--keyring", keyring])
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = listed.stdout.split(separator: "\n").dropFirst(2)  // the header and its rule
        #expect(rows.compactMap { $0.split(separator: " ").first }.sorted() == ["leader:D01", "party_office"])
        // The new line follows the last one, with no blank line between.
        let text = try String(contentsOfFile: keyring, encoding: .utf8)
        #expect(text.contains("party_office \(first)\r\nleader:D01 \(second)"), "\(text.debugDescription)")
    }

    @Test func unknownOptionFailsWithUsage() throws {
        let run = try Self.run(["score", "--input", "-", "--rostr", "x"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--rostr"))
    }
}

/// Column positions in terminal cells, for checking alignment from the outside.
enum DisplayWidthProbe {
    static func width(_ text: Substring) -> Int {
        text.unicodeScalars.reduce(0) {
            $0 + (($1.value >= 0x2E80 && $1.value <= 0x9FFF) || ($1.value >= 0xFF00 && $1.value <= 0xFF60) ? 2 : 1)
        }
    }

    /// The cell just past `title` in `row`.
    static func columnEnd(of title: String, in row: String) -> Int {
        let range = row.range(of: title)!
        return width(row[..<range.upperBound])
    }

    /// The cell just past the `index`th space-separated field (0-based) of `row`.
    static func columnEnd(ofFieldAt index: Int, in row: String) -> Int {
        var count = -1
        var inField = false
        var end = row.endIndex
        for position in row.indices {
            let isSpace = row[position] == " "
            if !isSpace && !inField {
                count += 1
                inField = true
            } else if isSpace && inField {
                inField = false
                if count == index {
                    end = position
                    break
                }
            }
        }
        return width(row[..<end])
    }
}
