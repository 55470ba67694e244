import ArgumentParser
import Foundation
import KaopingClient
import KaopingCore
import KaopingStore
import KaopingTestSupport
import KaopingWire
import Logging
import Synchronization
import Testing
import ZeroMQ
@testable import KaopingAgent

/// An agent in a temporary folder with fresh keys; nothing is sent.
struct AgentFixture {
    let folder: URL
    let agent: Agent
    let aggregator = SigningIdentity.generate(for: "aggregator")

    init(
        submitter: String, roster: String? = nil, inbox: Bool = false, aggregator endpoint: String? = nil,
        clock: any WallClock = SystemClock()
    ) throws {
        folder = try Scratch.folder("agent")
        let key = folder.appendingPathComponent("agent.key")
        try Data(KeyFile.render(.generate(for: submitter)).utf8).write(to: key)
        var configuration = AgentConfiguration()
        configuration.key = key.path
        configuration.aggregatorPublicKey = aggregator.publicKey.rawRepresentation.base64EncodedString()
        configuration.outbox = folder.appendingPathComponent("outbox.sqlite").path
        if let roster {
            let path = folder.appendingPathComponent("roster.csv")
            try Data(roster.utf8).write(to: path)
            configuration.roster = path.path
        }
        if inbox { configuration.inbox = folder.appendingPathComponent("inbox").path }
        if let endpoint { configuration.aggregator = endpoint }
        agent = try Agent(configuration: configuration, clock: clock)
    }

    /// The agent's inbox (made with `inbox: true`), logging nowhere.
    func inbox() throws -> Inbox {
        try Inbox(
            folder: agent.configuration.inbox!, agent: agent,
            logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

extension Inbox {
    /// Writes a file into the inbox as if dropped a while ago: complete, so that a scan takes it.
    func drop(_ name: String, _ contents: Data) throws {
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url)
        let past = Date().addingTimeInterval(-5)
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: url.path)
    }
}

@Suite struct SubmissionImportTests {
    let roster = "id,name,district\nW0701,王伟,D07\nW0702,李娜,D07\nW0801,张强,D08\n"

    @Test func aCSVSavedInGBKIsRefusedSayingHowToSaveItAsUTF8() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        // 居民区,得分 / D01,13 in GBK, as Excel on a Chinese Windows saves "CSV".
        let gbk = Data([0xBE, 0xD3, 0xC3, 0xF1, 0xC7, 0xF8, 0x2C, 0xB5, 0xC3, 0xB7, 0xD6, 0x0D, 0x0A])
            + Data("D01,13\r\n".utf8)
        let outcome = fixture.agent.importer.read(gbk, fileName: "scores.csv")
        #expect(outcome.rows.isEmpty)
        #expect(outcome.problems.map(\.line) == [1])
        #expect(outcome.problems.first?.message.contains("CSV UTF-8") == true)
    }

    @Test func readsJSONLinesSavedWithWindowsLineEnds() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let lines = [
            #"{"submission_id": "a", "indicator": "party_building", "district": "D01", "score": "13.5"}"#, "",
            #"{"submission_id": "b", "indicator": "party_building", "district": "D02", "score": "12"}"#,
            #"{"submission_id": "c", "indicator": "party_building", "district": "D03", "score": 12}"#,
        ]
        for end in ["\n", "\r\n"] {
            let outcome = fixture.agent.importer.read(
                Data(("\u{FEFF}" + lines.joined(separator: end) + end).utf8), fileName: "p.jsonl")
            #expect(outcome.rows.map(\.line) == [1, 3], "line ends \(end.debugDescription)")
            #expect(outcome.rows.map(\.submission.district) == ["D01", "D02"])
            #expect(outcome.problems.map(\.line) == [4], "line ends \(end.debugDescription)")
        }
    }

    @Test func readsAJSONFileHoldingOneArrayLikeItsJSONLines() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let objects = [
            #"{"submission_id": "a", "indicator": "party_building", "district": "D01", "score": "13.5"}"#,
            #"{"submission_id": "b,]", "indicator": "party_building", "district": "D02", "score": "12", "#
                + #""note": "\"[x]\" {y}"}"#,
        ]
        let lines = fixture.agent.importer.read(Data(objects.joined(separator: "\n").utf8), fileName: "p.jsonl")
        #expect(lines.problems.isEmpty)
        for end in ["\n", "\r\n"] {
            // As Python's json.dump(rows, indent=2) writes it: the items start on lines 2 and 4.
            let array = "\u{FEFF}[" + end + "  " + objects[0] + "," + end + end + "  " + objects[1] + end + "]" + end
            for name in ["p.json", "p.jsonl"] {
                let outcome = fixture.agent.importer.read(Data(array.utf8), fileName: name)
                #expect(outcome.problems.isEmpty, "\(name) \(end.debugDescription)")
                #expect(outcome.rows.map(\.line) == [2, 4])
                #expect(outcome.rows.map(\.submission) == lines.rows.map(\.submission))
            }
        }
        let compact = fixture.agent.importer.read(
            Data(("[" + objects.joined(separator: ",") + "]").utf8), fileName: "c.json")
        #expect(compact.rows.map(\.submission) == lines.rows.map(\.submission))
        #expect(fixture.agent.importer.read(Data(" []\n".utf8), fileName: "e.json").problems.map(\.message)
            == ["the file has no rows to submit"])
    }

    @Test func aJSONArrayNamesTheLineOfEachBadItem() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let good = #"{"submission_id": "a", "indicator": "party_building", "district": "D01", "score": "13.5"}"#
        let outcome = fixture.agent.importer.read(
            Data("[\n\(good),\n{\"submission_id\": \"b\", \"district\": \"D23\", \"score\": \"1\"},\n,\n7\n]".utf8),
            fileName: "p.json")
        #expect(outcome.rows.isEmpty == false)
        #expect(outcome.problems.map(\.line) == [3, 4, 5])
        #expect(outcome.problems[0].message.contains("D23"))
        #expect(outcome.problems[1].message.contains("an empty item"))
        #expect(outcome.problems[2].message.contains("not a JSON object"))
        let unclosed = fixture.agent.importer.read(Data("\n[\n\(good),\n".utf8), fileName: "p.json")
        #expect(unclosed.problems.map(\.line) == [2])
        #expect(unclosed.problems.first?.message.contains("never closed") == true)
        let trailing = fixture.agent.importer.read(Data("[\(good)]\n[\(good)]\n".utf8), fileName: "p.json")
        #expect(trailing.problems.map(\.line) == [2])
        #expect(trailing.problems.first?.message.contains("follows the JSON array") == true)
        let unclosedString = fixture.agent.importer.read(Data("[\"]\n".utf8), fileName: "p.json")
        #expect(unclosedString.problems.first?.message.contains("never closed") == true)
    }

    /// A JSON Lines or JSON file with a form some readers take and RFC 8259 does not is refused whole, naming the
    /// line (of the file, for an array's item that spans lines) and column; nothing is queued.
    @Test func jsonThatIsNotRFC8259IsRefusedWithItsLineAndColumn() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let good = #"{"submission_id": "a", "indicator": "party_building", "district": "D01", "score": "13.5"}"#
        let bad = #"{"submission_id": "b", "indicator": "party_building", "district": "D02", "score": "12",}"#
        let lines = fixture.agent.importer.read(Data("\(good)\n\(bad)\n".utf8), fileName: "p.jsonl")
        #expect(lines.problems.map(\.line) == [2])
        #expect(
            lines.problems.first?.message == "not valid JSON: a comma before }; JSON takes none after the last member "
                + "(column 88)", "\(lines.problems)")
        let item = "[\n  \(good),\n  {\"submission_id\": \"c\",\n   \"score\": 01}\n]\n"
        let array = fixture.agent.importer.read(Data(item.utf8), fileName: "p.json")
        #expect(array.problems.map(\.line) == [4])
        #expect(array.problems.first?.message == "not valid JSON: a number with a leading zero; JSON writes 1, "
            + "not 01 (column 13)", "\(array.problems)")
        let trailing = fixture.agent.importer.read(Data("[\(good),\n]".utf8), fileName: "p.json")
        #expect(trailing.problems.map(\.line) == [2])
        // Every form of StrictJSON's refusal, each on line 2 of a file whose line 1 is good.
        let open = String(good.dropLast())
        let endings: [String] = [",}", #", "x": 01}"#, #", "x": NaN}"#, #", "x": -Infinity}"#, ", \"x\": \"a\tb\"}"]
        var forms: [String] = endings.map { open + $0 }
        forms.append(good + " // again")
        forms.append(good.replacingOccurrences(of: #""score""#, with: "'score'"))
        forms.append(good.replacingOccurrences(of: #""score""#, with: "score"))
        for form in forms {
            let outcome = fixture.agent.importer.read(Data("\(good)\n\(form)\n".utf8), fileName: "p.jsonl")
            #expect(outcome.problems.map(\.line) == [2], "\(form)")
            #expect(outcome.problems.first?.message.hasPrefix("not valid JSON: ") == true, "\(outcome.problems)")
        }
        #expect(try fixture.agent.outbox.counts().isEmpty)
    }

    @Test func readsCSVWithChineseHeadingsNamesAndABOM() throws {
        let fixture = try AgentFixture(submitter: "survey_vendor")
        let csv = "\u{FEFF}居民区,指标,得分,受访户数,重点人群户数,备注\r\n居民区01,走访,13.5,30,10,\r\nD02,visits,12,20,7,\r\n"
        let outcome = fixture.agent.importer.read(Data(csv.utf8), fileName: "survey.csv")
        #expect(outcome.problems.isEmpty)
        #expect(outcome.rows.map(\.line) == [2, 3])
        let first = outcome.rows[0].submission
        #expect(first.district == "D01" && first.indicator == "visits" && first.score == "13.5")
        #expect(first.respondents == 30 && first.keyRespondents == 10 && first.submitter == "survey_vendor")
        #expect(first.id.hasPrefix("survey_vendor/visits/D01/"))
    }

    @Test func idsTypedInTheOtherCaseOrInFullWidthAreTheCatalogsAndRostersIds() throws {
        let fixture = try AgentFixture(submitter: "party_office", roster: roster)
        let csv = "居民区,指标,得分\nd05,PARTY_BUILDING,13\nＤ０６,党建,12\n居民区０７,party_building,11\nd23,party_building,10\n"
        let outcome = fixture.agent.importer.read(Data(csv.utf8), fileName: "p.csv")
        #expect(outcome.rows.map(\.submission.district) == ["D05", "D06", "D07"])
        #expect(outcome.rows.map(\.submission.indicator) == ["party_building", "party_building", "party_building"])
        #expect(outcome.problems.map(\.line) == [5])
        #expect(outcome.problems.first?.message.contains("d23") == true)
        let head = try AgentFixture(submitter: "leader:D07", roster: roster)
        let workers = head.agent.importer.read(Data("社区工作者,得分\nw0701,92\nＷ０７０２,88\n".utf8), fileName: "r.csv")
        #expect(workers.problems.isEmpty)
        #expect(workers.rows.map(\.submission.worker) == ["W0701", "W0702"])
    }

    @Test func scoresAndCountsTypedInFullWidthOrWithTheirUnit() throws {
        let fixture = try AgentFixture(submitter: "survey_vendor")
        let csv = "居民区,指标,得分,受访户数,重点人群户数\nD01,visits,１３．５,３０,10\nD02,visits,12分,20,7\n"
            + "D03,visits,12%,20,7\nD04,visits,1３.5.1,20,7\n"
        let outcome = fixture.agent.importer.read(Data(csv.utf8), fileName: "survey.csv")
        #expect(outcome.rows.map(\.submission.score) == ["13.5", "12"])
        #expect(outcome.rows.first?.submission.respondents == 30)
        #expect(outcome.problems.map(\.line) == [4, 5])
        #expect(outcome.problems.first?.message.contains("\"12%\" is not a decimal") == true)
    }

    @Test func aTitleAboveTheHeadingsIsNotTakenForThem() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let titled = "党建办2023年考评得分,,\n填报日期：2023-12-01,,\n,,\n居民区,得分,备注\nD01,13,\nD02,x,\n"
        let outcome = fixture.agent.importer.read(Data(titled.utf8), fileName: "p.csv")
        #expect(outcome.rows.map(\.submission.district) == ["D01"])
        #expect(outcome.problems.map(\.line) == [6])
        // Two filled cells above the headings are not a title: the first line is read as headings, and refused.
        let table = fixture.agent.importer.read(Data("党建办,2023\n居民区,得分\nD01,13\n".utf8), fileName: "p.csv")
        #expect(table.problems.map(\.line) == [1])
        #expect(table.problems.first?.message.contains("unknown column '党建办', '2023'") == true)
    }

    @Test func namesEveryBadRowAndTakesNothing() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let unclosed = fixture.agent.importer.read(Data("居民区,得分\nD05,\"12\n".utf8), fileName: "x.csv")
        #expect(unclosed.problems.first?.message.contains("never closed") == true)
        let rows = fixture.agent.importer.read(
            Data("居民区,得分\nD01,13.5\nD23,12\nD03,13.555\nD04,16\n".utf8), fileName: "p.csv")
        #expect(rows.problems.map(\.line) == [3, 4, 5])
        #expect(rows.problems[0].message.contains("D23"))
        #expect(rows.problems[1].message.contains("more than 2 decimals"))
        #expect(rows.problems[2].message.contains("between 0 and 15"))
    }

    @Test func refusesUnknownColumnsAndOtherSubmittersRows() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let unknown = fixture.agent.importer.read(Data("居民区,分\nD01,13\n".utf8), fileName: "p.csv")
        #expect(unknown.problems.first?.message.contains("unknown column '分'") == true)
        let other = #"{"submission_id": "a", "submitter": "safety_office", "campaign": "zhongshan-2023", "#
            + #""indicator": "stability", "district": "D01", "score": "8"}"#
        let jsonl = fixture.agent.importer.read(Data(other.utf8), fileName: "p.jsonl")
        #expect(jsonl.problems.first?.message.contains("this agent submits as 'party_office'") == true)
        let notMine = fixture.agent.importer.read(Data("居民区,指标,得分\nD01,stability,8\n".utf8), fileName: "p.csv")
        #expect(notMine.problems.first?.message.contains("may not submit stability") == true)
    }

    @Test func aDistrictHeadNeedsOnlyWorkerAndScore() throws {
        let fixture = try AgentFixture(submitter: "leader:D07", roster: roster)
        let outcome = fixture.agent.importer.read(Data("社区工作者,得分\nW0701,92\nW0702,88.5\n".utf8), fileName: "r.csv")
        #expect(outcome.problems.isEmpty)
        #expect(outcome.rows.map(\.submission.indicator) == ["worker_leader_review", "worker_leader_review"])
        #expect(outcome.rows.map(\.submission.district) == ["D07", "D07"])
        let other = fixture.agent.importer.read(Data("社区工作者,得分,居民区\nW0801,90,D08\n".utf8), fileName: "r.csv")
        #expect(other.problems.first?.message.contains("leader:D08") == true)
    }

    /// `kaoping-agent submit` builds its submission from its flags the way a file's row is read: the same submission
    /// (and id) as the row with the same values, and the same checks.
    @Test func aSubmissionFromNamedFieldsIsTheRowOfAFileWithTheSameValues() throws {
        let fixture = try AgentFixture(submitter: "city_ops")
        let csv = "居民区,月份,先行联系率,按时办结率,诉求解决率,市民满意率\n居民区05,2023年3月,88.1,96,95.5,80\n"
        let row = try #require(fixture.agent.importer.read(Data(csv.utf8), fileName: "hotline.csv").rows.first)
        let rates = ["first_contact_rate": "88.1", "按时办结率": "96", "resolution_rate": " 95.5", "市民满意率": "80"]
        let fields = ["district": "居民区05", "period": "2023年3月"]
        let built = fixture.agent.importer.submission(fields: fields, rates: rates)
        #expect(try built.get() == row.submission)

        let unknownRate = fixture.agent.importer.submission(fields: ["district": "D05"], rates: ["speed": "90"])
        #expect(throws: ImportProblem.self) { try unknownRate.get() }
        if case .failure(let problem) = unknownRate {
            #expect(problem.message.contains("unknown hotline rate 'speed'"))
            #expect(problem.message.contains("on_time_rate"))
        }
        // A rule's refusal: a rate above 100.
        let tooHigh = fixture.agent.importer.submission(
            fields: ["district": "D05", "period": "2023-03"],
            rates: [
                "first_contact_rate": "101", "on_time_rate": "96", "resolution_rate": "95", "satisfaction_rate": "80",
            ])
        #expect(throws: ImportProblem.self) { try tooHigh.get() }
    }

    @Test func readsHotlineRatesByTheirChineseNames() throws {
        let fixture = try AgentFixture(submitter: "city_ops")
        let csv = "居民区,月份,先行联系率,按时办结率,诉求解决率,市民满意率\n居民区05,2023-03,88.1,96,95.5,80\n"
        let outcome = fixture.agent.importer.read(Data(csv.utf8), fileName: "hotline.csv")
        #expect(outcome.problems.isEmpty)
        let submission = try #require(outcome.rows.first?.submission)
        #expect(submission.indicator == "hotline" && submission.period == "2023-03")
        #expect(submission.hotline["resolution_rate"] == "95.5")
        // The month as Excel saves a typed 2023-03 (a date), or as a clerk writes it: the same submission, same id.
        for month in ["2023/3/1", "2023年3月", "3月", "Mar-23"] {
            let typed = fixture.agent.importer.read(
                Data(csv.replacingOccurrences(of: ",2023-03,", with: ",\(month),").utf8), fileName: "hotline.csv")
            #expect(typed.problems.isEmpty, "\(month)")
            #expect(typed.rows.first?.submission == submission, "\(month)")
        }
        // Rates as a spreadsheet shows percentages, digits typed in full width.
        let percent = "居民区,月份,先行联系率,按时办结率,诉求解决率,市民满意率\nD05,2023-03,88.10%,９６,95.5 %,80\n"
        let shown = fixture.agent.importer.read(Data(percent.utf8), fileName: "hotline.csv")
        #expect(shown.problems.isEmpty)
        #expect(shown.rows.first?.submission.hotline == [
            "first_contact_rate": "88.10", "on_time_rate": "96", "resolution_rate": "95.5", "satisfaction_rate": "80",
        ])
        let day = fixture.agent.importer.read(
            Data(csv.replacingOccurrences(of: ",2023-03,", with: ",2023/3/15,").utf8), fileName: "hotline.csv")
        #expect(day.problems.first?.message.contains("period '2023/3/15' is not a month of this campaign") == true)
    }

    /// A script that reads a sheet's percentage cells gets fractions of 1 (0.881 for 88.1 %): valid by the rules,
    /// and the last place on every metric. The agent refuses such a row, and a month with every rate at 0 or one
    /// rate at 1 or below passes.
    @Test func hotlineRatesAllFractionsOfOneAreRefused() throws {
        let fixture = try AgentFixture(submitter: "city_ops")
        let line = #"{"submission_id": "h1", "district": "D05", "period": "2023-03", "hotline": {"#
            + #""first_contact_rate": "0.88", "on_time_rate": "0.96", "resolution_rate": "0.955", "#
            + #""satisfaction_rate": "0.8"}}"#
        let outcome = fixture.agent.importer.read(Data(line.utf8), fileName: "hotline.jsonl")
        #expect(outcome.rows.isEmpty)
        #expect(
            outcome.problems.first?.message == "the rates (先行联系率 0.88, 按时办结率 0.96, 诉求解决率 0.955, 市民满意率 0.80) "
                + "look like fractions of 1, but rates are percent: write 0.88 as 88 (a sheet's percentage cell holds "
                + "0.88 and shows 88%)")
        for rates in [["0", "0", "0", "0"], ["0", "0.5", "0", "0"], ["1", "1", "1", "2"], ["100", "0.96", "1", "1"]] {
            let csv = "居民区,月份,先行联系率,按时办结率,诉求解决率,市民满意率\nD05,2023-03,\(rates.joined(separator: ","))\n"
            let read = fixture.agent.importer.read(Data(csv.utf8), fileName: "hotline.csv")
            #expect(read.problems.isEmpty == (rates != ["0", "0.5", "0", "0"]), "\(rates): \(read.problems)")
        }
    }

    @Test func derivedIDsAreStableAndFollowTheContent() {
        let a = Submission(id: "", submitter: "p", campaign: "c", indicator: "i", district: "D01", score: "1")
        var b = a
        #expect(SubmissionImport.derivedID(a) == SubmissionImport.derivedID(b))
        b.score = "2"
        #expect(SubmissionImport.derivedID(a) != SubmissionImport.derivedID(b))
    }
}

@Suite struct OutboxAndInboxTests {
    @Test func deliveredSubmissionsSinceATimeAreQueuedAgainWithTheirOldReceiptsKept() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let rows = fixture.agent.importer.read(Data("居民区,得分\nD01,13\nD02,12\nD03,11\n".utf8), fileName: "p.csv")
            .rows
        #expect(try fixture.agent.enqueue(rows.map { ("test", $0.submission) }) == 3)
        let outbox = fixture.agent.outbox
        let items = try outbox.items(state: .pending).sorted { $0.subject < $1.subject }
        // D01 delivered at 1 000, D02 at 2 000, D03 refused at 3 000.
        let answers: [(Timestamp, Bool)] = [(1_000, true), (2_000, true), (3_000, false)]
        for (item, (at, delivered)) in zip(items, answers) {
            try outbox.receipt(
                forEnvelopeHash: item.envelopeHash, delivered: delivered, status: delivered ? "accepted" : "conflict",
                reason: "", receipt: Data([UInt8(at.milliseconds / 1_000)]), at: at)
        }
        // A second answer (to a resend of what a receipt settled) is recorded once: nothing changes.
        #expect(
            try outbox.receipt(
                forEnvelopeHash: items[2].envelopeHash, delivered: false, status: "conflict", reason: "",
                receipt: Data([9]), at: 4_000) == nil)
        #expect(try outbox.items(state: .rejected).map(\.receipt) == [Data([3])])
        #expect(try outbox.resend(deliveredSince: 2_000, at: 5_000) == 1)
        let again = try #require(try outbox.items(state: .pending).first)
        #expect(again.subject == "party_building/D02" && again.receipt == Data([2]) && again.attempts == 0)
        #expect(try outbox.due(at: 4_999).isEmpty && outbox.due(at: 5_000).map(\.subject) == ["party_building/D02"])
        #expect(try outbox.counts() == [.delivered: 1, .pending: 1, .rejected: 1])
        // From the start: every delivered one, never a refused one.
        #expect(try outbox.resend(deliveredSince: 0, at: 5_000) == 1)
        #expect(try outbox.counts() == [.pending: 2, .rejected: 1])
    }

    /// Times are China Standard Time on every machine (this one keeps UTC): 14:05 in Shanghai is 06:05 UTC.
    @Test func timesReadAsTheSubDistrictWritesThem() throws {
        let minute = try #require(ChinaTime.parse("2026-11-28 14:05"))
        #expect(minute == 1_795_845_900_000)
        #expect(ChinaTime.format(minute) == "2026-11-28 14:05:00")
        #expect(ChinaTime.parse("2026-11-28T14:05") == minute)
        #expect(ChinaTime.parse(" 2026-11-28 14:05:30 ") == minute + .seconds(30))
        #expect(ChinaTime.parse("2026-11-28") == minute - .seconds((14 * 60 + 5) * 60))
        for bad in ["28/11/2026", "2026-13-01", "2026-11-28 25:00", "yesterday", ""] {
            #expect(ChinaTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func theOutboxSurvivesReopeningAndRequeuesARefusedSubmission() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        let rows = fixture.agent.importer.read(Data("居民区,得分\nD01,13\nD02,12\n".utf8), fileName: "p.csv").rows
        #expect(try fixture.agent.enqueue(rows.map { ("test", $0.submission) }) == 2)
        #expect(try fixture.agent.enqueue(rows.map { ("test", $0.submission) }) == 0)

        let reopened = try Outbox(path: fixture.agent.configuration.outbox)
        let pending = try reopened.items(state: .pending)
        #expect(pending.count == 2)
        let envelope = try SignedEnvelope.decode(pending[0].envelope)
        #expect(SignedEnvelope.verify(envelope, with: fixture.agent.identity.publicKey))

        try reopened.receipt(
            forEnvelopeHash: pending[0].envelopeHash, delivered: false, status: "conflict", reason: "r",
            receipt: Data([1]), at: 5)
        #expect(try reopened.counts() == [.pending: 1, .rejected: 1])
        // Submitted again after the operator's reopen: queued anew, the refusal kept on record.
        #expect(try fixture.agent.enqueue(rows.map { ("again", $0.submission) }) == 1)
        #expect(try reopened.counts() == [.pending: 2, .rejected: 1])
        #expect(try reopened.items(state: .rejected).first?.submissionID.contains("#refused-") == true)
    }

    /// The aggregator's refusal of a row dropped in the inbox is written to `failed/`, named after the file as it was
    /// filed in `done/`, a line per refusal; items from elsewhere write nothing.
    @Test func aRefusalOfADroppedRowIsWrittenBesideTheFilesReports() throws {
        let clock = ManualClock(Timestamp(Date()))
        let fixture = try AgentFixture(submitter: "party_office", inbox: true, clock: clock)
        let inbox = try fixture.inbox()
        try inbox.drop("scores.csv", Data("居民区,得分\nD01,13\nD02,12\n".utf8))
        #expect(inbox.scan().map(\.accepted) == [true])
        let filed = try #require(
            try FileManager.default.contentsOfDirectory(atPath: inbox.folder.appendingPathComponent("done").path)
                .first { $0.hasSuffix("-scores.csv") })
        let outbox = fixture.agent.outbox
        for item in try outbox.items(state: .pending) where item.subject.hasSuffix("D02") {
            let refused = try #require(
                try outbox.receipt(
                    forEnvelopeHash: item.envelopeHash, delivered: false, status: "conflict",
                    reason: "party_building/D02 was already accepted with different content", receipt: Data(), at: 1))
            clock.advance(by: .seconds(3_600))
            inbox.noteRefusal(of: refused)
        }
        try fixture.agent.enqueue([("submit", Submission(
            id: "x", submitter: "party_office", campaign: "zhongshan-2023", indicator: "party_building",
            district: "D03", score: "9"))])
        let other = try #require(try outbox.items(state: .pending).first { $0.subject.hasSuffix("D03") })
        inbox.noteRefusal(of: other)
        let failed = try FileManager.default.contentsOfDirectory(
            atPath: inbox.folder.appendingPathComponent("failed").path)
        #expect(failed == ["\(filed).refused.txt"])
        let note = try String(
            contentsOf: inbox.folder.appendingPathComponent("failed/\(filed).refused.txt"), encoding: .utf8)
        let lines = note.split(separator: "\n")
        #expect(lines.first == "Kaoping agent party_office — \(filed) — rows the aggregator refused")
        let expected = "\(ChinaTime.format(clock.now))  line 3: party_building/D02 — conflict: party_building/D02 was "
            + "already accepted with different content"
        #expect(lines.last.map(String.init) == expected, "\(note)")
    }

    /// Answers the agent cannot trust (another aggregator key) come once per resend of every pending item: the
    /// daemon warns at the first, then once a minute with how many came since; the report counts them all.
    @Test func untrustedAnswersAreWarnedOfOnceAMinute() {
        let counter = ReportCounter()
        let start = ContinuousClock.now
        #expect(counter.untrusted("not signed by the aggregator's key", at: start) == 1)
        for second in 1...59 { #expect(counter.untrusted("other", at: start + .seconds(second)) == nil) }
        #expect(counter.untrusted("other", at: start + .seconds(60)) == 60)
        #expect(counter.untrusted("other", at: start + .seconds(61)) == nil)
        #expect(counter.report.untrusted == 62)
        #expect(counter.report.untrustedReason == "not signed by the aggregator's key")
    }

    /// A configuration moved to next year's campaign without next year's catalog (or the other way round) would
    /// sign submissions for one campaign and distrust the receipts of the other: the agent does not start.
    @Test func aCampaignOtherThanTheCatalogsIsRefusedAtStart() throws {
        var configuration = try AgentFixture(submitter: "party_office").agent.configuration
        configuration.campaign = "zhongshan-2024"
        #expect {
            try Agent(configuration: configuration)
        } throws: { error in
            (error as? AgentError)?.message
                == "campaign zhongshan-2024 in the configuration is not the catalog's (zhongshan-2023, the built-in "
                + "one); set catalog: to campaign zhongshan-2024's catalog file, or campaign: zhongshan-2023"
        }
    }

    @Test func dueItemsBackOff() throws {
        let fixture = try AgentFixture(submitter: "party_office")
        _ = try fixture.agent.enqueue([("t", Submission(
            id: "x", submitter: "party_office", campaign: "zhongshan-2023", indicator: "party_building",
            district: "D01", score: "1"))])
        let outbox = fixture.agent.outbox
        let now = fixture.agent.clock.now
        #expect(try outbox.due(at: now).count == 1)
        try outbox.attempted(["x"], retryAt: now + .seconds(60))
        #expect(try outbox.due(at: now).isEmpty)
        #expect(try outbox.due(at: now + .seconds(60)).count == 1)
        let deliverer = Deliverer(
            agent: fixture.agent, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        for attempt in 1...12 {
            let delay = deliverer.backoff(attempt: attempt) / .milliseconds(1)
            let base = min(300.0, pow(2, Double(attempt - 1))) * 1000
            #expect(delay >= base * 0.5 && delay < base * 1.5)
        }
    }

    /// A queued row is reported as it will be signed: a score, or a hotline month's rates by name.
    @Test func theInboxReportShowsEachRowAsItWillBeSigned() throws {
        let inbox = try AgentFixture(submitter: "city_ops", inbox: true).inbox()
        let csv = "居民区,月份,先行联系率,按时办结率,诉求解决率,市民满意率\nd05,2023/3/1,88.10%,96,95.5,80\n"
        try inbox.drop("hotline.csv", Data(csv.utf8))
        #expect(inbox.scan().map(\.accepted) == [true])
        let done = inbox.folder.appendingPathComponent("done")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: done.path).first {
            $0.hasSuffix(".report.txt")
        })
        let report = try String(contentsOf: done.appendingPathComponent(name), encoding: .utf8)
        let row = "line 2: hotline/D05/2023-03 先行联系率 88.10, 按时办结率 96, 诉求解决率 95.5, 市民满意率 80 → "
        #expect(report.contains(row), "\(report)")
    }

    @Test func theInboxMovesGoodFilesToDoneAndBadOnesToFailedWithReports() throws {
        let fixture = try AgentFixture(submitter: "party_office", inbox: true)
        let inbox = try fixture.inbox()
        try inbox.drop("good.csv", Data("\u{FEFF}居民区,得分\nD01,13\nD02,12.5\n".utf8))
        try inbox.drop("bad.csv", Data("居民区,得分\nD03,12\nD04,abc\n".utf8))
        try inbox.drop("notes.txt", Data("ignored".utf8))
        try inbox.drop("~$good.csv", Data("\u{0}owner".utf8))  // Excel's owner file while good.csv is open in it
        try Data("居民区,得分\nD05,1\n".utf8).write(to: inbox.folder.appendingPathComponent("writing.csv"))

        let outcomes = inbox.scan()
        #expect(outcomes.map(\.file) == ["bad.csv", "good.csv"])
        #expect(outcomes.map(\.accepted) == [false, true])
        let (doneFolder, failedFolder) = (
            inbox.folder.appendingPathComponent("done"), inbox.folder.appendingPathComponent("failed")
        )
        let done = try FileManager.default.contentsOfDirectory(atPath: doneFolder.path)
        let failed = try FileManager.default.contentsOfDirectory(atPath: failedFolder.path)
        #expect(done.filter { $0.hasSuffix("good.csv") }.count == 1 && done.contains { $0.hasSuffix(".report.txt") })
        let report = try String(
            contentsOf: failedFolder.appendingPathComponent(failed.first { $0.hasSuffix(".report.txt") }!),
            encoding: .utf8)
        #expect(report.contains("line 3") && report.contains("abc") && report.contains("NOT QUEUED"))
        #expect(
            try fixture.agent.outbox.items().map(\.subject).sorted() == ["party_building/D01", "party_building/D02"])
        // The file still being written (modified just now) waits for the next scan; the .txt is left alone.
        let left = try FileManager.default.contentsOfDirectory(atPath: inbox.folder.path).sorted()
        #expect(left == ["done", "failed", "notes.txt", "writing.csv", "~$good.csv"])
    }

    @Test func aWorkbookDroppedInTheInboxIsRefusedWithHowToSaveItAsCSV() throws {
        let fixture = try AgentFixture(submitter: "party_office", inbox: true)
        let inbox = try fixture.inbox()
        try inbox.drop("党建 scores.XLSX", Data([0x50, 0x4B, 0x03, 0x04]))  // a zip, as an .xlsx is

        let outcomes = inbox.scan()
        #expect(outcomes.map(\.file) == ["党建 scores.XLSX"] && outcomes.map(\.accepted) == [false])
        let failedFolder = inbox.folder.appendingPathComponent("failed")
        let failed = try FileManager.default.contentsOfDirectory(atPath: failedFolder.path)
        #expect(failed.filter { $0.hasSuffix("党建 scores.XLSX") }.count == 1)
        let report = try String(
            contentsOf: failedFolder.appendingPathComponent(try #require(failed.first { $0.hasSuffix(".report.txt") })),
            encoding: .utf8)
        #expect(report.contains("NOT QUEUED") && report.contains("CSV UTF-8"), "\(report)")
        #expect(try fixture.agent.outbox.items().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox.folder.path).sorted() == ["done", "failed"])
    }
}

@Suite struct AgentConfigurationTests {
    @Test func theShippedConfigurationsParseAndATypoIsNamed() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/config")
        let agents = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("agent") }
        #expect(!agents.isEmpty)
        for name in agents {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let configuration = try AgentConfiguration.parse(text)
            #expect(configuration != AgentConfiguration(), "\(name) sets nothing")
            // Saved on Windows (BOM, CR LF), it reads the same.
            let windows = "\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n")
            #expect(try AgentConfiguration.parse(windows) == configuration, "\(name)")
        }
        #expect(throws: UnknownFieldError.self) { try AgentConfiguration.parse("retry_max_secs: 5\n") }
    }

    /// A mistyped `--log-level` is refused before the command runs, naming the levels (it used to run at `info`).
    @Test func aMistypedLogLevelIsRefusedNamingTheLevels() throws {
        for arguments in [["outbox", "--log-level", "warnig"], ["run", "--log-level", "verbose"]] {
            #expect("\(arguments)") {
                _ = try AgentCommand.parseAsRoot(arguments)
            } throws: { error in
                AgentCommand.message(for: error) == "unknown --log-level '\(arguments[2])'; use trace, debug, info, "
                    + "notice, warning, error or critical"
            }
        }
        _ = try AgentCommand.parseAsRoot(["outbox", "--log-level", "warning"])
    }
}

extension Outbox {
    /// Records one receipt that came alone (the tests' shorthand for ``record(_:proof:at:)``).
    @discardableResult
    func receipt(
        forEnvelopeHash hash: Data, delivered: Bool, status: String, reason: String, receipt: Data, at: Timestamp
    ) throws -> Item? {
        try record(
            [Answer(envelopeHash: hash, delivered: delivered, status: status, reason: reason, entry: nil)],
            proof: receipt, at: at
        ).first
    }
}

/// The agent against an aggregator of a version before batches, played by a ROUTER that answers a batch as such an
/// aggregator does (a lone INVALID receipt: a type it does not take) and each lone submission with an acceptance.
@Suite struct BatchFallbackTests {
    @Test func anAggregatorThatDoesNotTakeBatchesGetsEachSubmissionAlone() async throws {
        let endpoint = "ipc://" + (try Scratch.folder("router")).appendingPathComponent("ingest").path
        let fixture = try AgentFixture(submitter: "party_office", aggregator: endpoint)
        let rows = fixture.agent.importer.read(Data("居民区,得分\nD01,13\nD02,12\nD03,11\n".utf8), fileName: "p.csv")
            .rows
        #expect(try fixture.agent.enqueue(rows.map { ("test", $0.submission) }) == 3)

        /// What the old aggregator saw, and when to stop it.
        final class Seen: Sendable {
            /// What came, in order: true for a batch, false for a submission alone.
            let batches = Mutex<[Bool]>([])
            let stop = Atomic<Bool>(false)
        }
        let (context, aggregator, seen) = (try Context(), fixture.aggregator, Seen())
        let old = Thread {
            let router = try! Socket(context: context, type: .router)
            try! router.bind(endpoint)
            while !seen.stop.load(ordering: .relaxed) {
                guard let message = try? router.receive(timeout: 50), message.frames.count == 2 else { continue }
                let body = message.frames[1]
                var receipt = Kaoping_V1_Receipt()
                receipt.envelopeHash = body.sha256
                receipt.campaign = "zhongshan-2023"
                if (try? SignedEnvelope.decode(body))?.type == MessageType.feedbackQuery.rawValue {
                    // The agent's request for findings, which such an aggregator refuses too; not a submission.
                    receipt.status = .invalid
                    receipt.reason = "message type 'feedback_query' is not accepted here"
                } else if EnvelopeBatch.isBatch(body) {
                    seen.batches.withLock { $0.append(true) }
                    receipt.status = .invalid
                    receipt.reason = "message type 'batch' is not accepted here; send 'submission' or 'heartbeat'"
                } else {
                    seen.batches.withLock { $0.append(false) }
                    receipt.status = .accepted
                }
                let sealed = try! SignedEnvelope.seal(
                    receipt, type: .receipt, campaign: "zhongshan-2023", by: aggregator)
                try? router.send(Multipart([message.frames[0], sealed]), timeout: 1_000)
            }
            router.close(linger: 0)
        }
        old.start()
        defer { seen.stop.store(true, ordering: .relaxed) }

        let report = try await Deliverer(
            agent: fixture.agent, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        ).drain(within: .seconds(60))
        #expect(report.delivered == 3 && report.rejected == 0 && report.pending == 0)
        // A batch, refused; from then on each alone. (A resend may come before its answer is read, when the test
        // process's threads are busy with other tests: a second batch before the refusal, or a lone one twice.)
        let sent = seen.batches.withLock { $0 }
        #expect(sent.first == true && sent.filter { !$0 }.count >= 3, "\(sent)")
        #expect(!sent.drop { $0 }.contains(true), "a batch after the first submission sent alone: \(sent)")
        #expect(try fixture.agent.outbox.items().allSatisfy { $0.receipt != nil && $0.receiptEntry == nil })
    }
}

/// Findings, plans and reviews as clerks write them, and the feedback folder's templates read back.
@Suite struct FeedbackImportTests {
    @Test func aFindingsSheetWithChineseHeadingsIsReadWithDaysAsTyped() throws {
        let fixture = try AgentFixture(submitter: "safety_office")
        let importer = fixture.agent.feedbackImporter
        let text =
            "\u{FEFF}编号,居民区,指标,问题,整改期限\r\nF-1,居民区05,稳定,台账不全,2024/3/31\r\n,D06,,通道堵塞,2024年4月1日\r\n"
        let file = try #require(importer.recognize(Data(text.utf8), fileName: "问题.csv"))
        #expect(file.kind == "finding")
        let (rows, problems) = importer.read(file.text, kind: file.kind)
        #expect(problems.isEmpty, "\(problems)")
        guard rows.count == 2, case .finding(let first) = rows[0].step, case .finding(let second) = rows[1].step else {
            Issue.record("not two findings: \(rows)")
            return
        }
        #expect(first.id == "F-1" && first.district == "D05" && first.indicator == "stability")
        #expect(first.planDue == "2024-03-31" && second.planDue == "2024-04-01" && second.id.hasPrefix("F-"))
        // The same row again gets the same id: a duplicate at the aggregator, not a second finding.
        #expect(importer.read(file.text, kind: file.kind).rows[1].step.id == second.id)
        // A row the rules refuse names its line and why; a scores sheet is not a feedback sheet.
        let bad = importer.read("居民区,问题,整改期限\nD05,台账不全,2024-02-30\n", kind: "finding")
        #expect(bad.problems.map(\.line) == [2] && bad.problems[0].message.contains("plan_due"))
        #expect(importer.recognize(Data("居民区,得分\nD05,9\n".utf8), fileName: "scores.csv") == nil)
    }

    /// findings.csv's 最近意见 is what the latest review said: after a plan returned with a reason and a new one
    /// accepted without a word, it is empty, not the return's reason (which stays in the finding's history).
    @Test func theLatestOpinionIsTheLatestReviewsReason() throws {
        let (department, head) = (SigningIdentity.generate(for: "safety_office"), SigningIdentity.generate(for: "h"))
        func entry(
            _ step: FeedbackStep, _ type: MessageType, by key: SigningIdentity
        ) throws -> Kaoping_V1_FeedbackEntry {
            var entry = Kaoping_V1_FeedbackEntry()
            entry.kind = type.rawValue
            entry.submitter = step.submitter
            entry.envelope = try SignedEnvelope.seal(
                step.wire(signedAt: Timestamp(milliseconds: 1)), type: type, campaign: "zhongshan-2023", by: key)
            return entry
        }
        func plan(_ id: String) throws -> Kaoping_V1_FeedbackEntry {
            try entry(
                .plan(Plan(
                    id: id, submitter: "leader:D05", campaign: "zhongshan-2023", findingID: "F-1", measures: "补齐台账",
                    responsible: "张三", completeBy: "2024-06-30")), .plan, by: head)
        }
        func review(_ verdict: Verdict, _ plan: String, reason: String = "") throws -> Kaoping_V1_FeedbackEntry {
            try entry(
                .review(Review(
                    id: "R-\(plan)-\(verdict)", submitter: "safety_office", campaign: "zhongshan-2023",
                    findingID: "F-1", verdict: verdict, planID: plan, reason: reason)), .review, by: department)
        }
        var item = Kaoping_V1_FeedbackItem()
        (item.findingID, item.district, item.department, item.state) = ("F-1", "D05", "safety_office", "accepted")
        item.standingPlanID = "P-2"
        item.history = [
            try entry(
                .finding(Finding(
                    id: "F-1", submitter: "safety_office", campaign: "zhongshan-2023", district: "D05", text: "台账不全",
                    planDue: "2024-03-31")), .finding, by: department),
            try plan("P-1"), try review(.returned, "P-1", reason: "措施不具体"), try plan("P-2"),
        ]
        var list = Kaoping_V1_FeedbackList()
        list.items = [item]
        #expect(FeedbackListing.items(of: list).first?.lastReason == "措施不具体")
        list.items[0].history.append(try review(.accepted, "P-2"))
        let accepted = try #require(FeedbackListing.items(of: list).first)
        #expect(accepted.history.count == 5 && accepted.lastReason == nil)
        let csv = FeedbackListing(catalog: .zhongshan2023).findingsCSV([accepted])
        #expect(!csv.contains("措施不具体") && csv.contains("P-2"), "\(csv)")
        list.items[0].history.append(try review(.rectified, "", reason: "已现场核实"))
        #expect(FeedbackListing.items(of: list).first?.lastReason == "已现场核实")
    }

    @Test func theFolderTemplatesFilledInAreReadAsPlansAndReviews() throws {
        let head = try AgentFixture(submitter: "leader:D05")
        let folder = head.folder.appendingPathComponent("feedback")
        var finding = Kaoping_V1_FeedbackItem()
        finding.findingID = "F-1"
        finding.district = "D05"
        finding.department = "safety_office"
        finding.state = "raised"
        finding.due = "2024-03-31"
        finding.owedBy = "leader:D05"
        var entry = Kaoping_V1_FeedbackEntry()
        entry.kind = "finding"
        entry.submitter = "safety_office"
        entry.step = 1
        entry.envelope = try SignedEnvelope.seal(
            FeedbackStep.finding(Finding(
                id: "F-1", submitter: "safety_office", campaign: "zhongshan-2023", district: "D05", text: "台账不全",
                planDue: "2024-03-31")).wire(signedAt: Timestamp(milliseconds: 1)),
            type: .finding, campaign: "zhongshan-2023", by: .generate(for: "safety_office"))
        finding.history = [entry]
        var list = Kaoping_V1_FeedbackList()
        list.items = [finding]
        list.today = "2024-04-01"
        let items = FeedbackListing.items(of: list)
        try FeedbackFolder(catalog: .zhongshan2023, submitter: "leader:D05")
            .write(items, today: "2024-04-01", into: folder)
        let template = try String(contentsOf: folder.appendingPathComponent("plans-template.csv"), encoding: .utf8)
        #expect(template.contains("F-1,台账不全,2024-03-31,,,"), "\(template)")
        // The clerk fills in the row and drops the file into the inbox.
        let filled = template.replacingOccurrences(
            of: "F-1,台账不全,2024-03-31,,,", with: "F-1,台账不全,2024-03-31,补齐台账,张三,2024/6/30")
        let file = try #require(head.agent.feedbackImporter.recognize(Data(filled.utf8), fileName: "plans.csv"))
        let (rows, problems) = head.agent.feedbackImporter.read(file.text, kind: file.kind)
        #expect(problems.isEmpty, "\(problems)")
        #expect(rows.map(\.step) == [.plan(Plan(
            id: rows.first?.step.id ?? "", submitter: "leader:D05", campaign: "zhongshan-2023", findingID: "F-1",
            measures: "补齐台账", responsible: "张三", completeBy: "2024-06-30"))])
        let text = try String(contentsOf: folder.appendingPathComponent("F-1.txt"), encoding: .utf8)
        #expect(text.contains("问题：台账不全") && text.contains("反馈部门：平安办（safety_office）"), "\(text)")

        let department = try AgentFixture(submitter: "safety_office")
        let reviews = "问题编号,方案编号,整改措施,审核结果,理由\nF-1,P-1,补齐台账,退回,措施不具体\n"
        let reviewFile = try #require(
            department.agent.feedbackImporter.recognize(Data(reviews.utf8), fileName: "r.csv"))
        let review = department.agent.feedbackImporter.read(reviewFile.text, kind: reviewFile.kind)
        #expect(review.problems.isEmpty, "\(review.problems)")
        guard case .review(let read)? = review.rows.first?.step else {
            Issue.record("not a review: \(review)")
            return
        }
        #expect(read.verdict == .returned && read.planID == "P-1" && read.reason == "措施不具体")
    }
}
