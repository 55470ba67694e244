import Foundation
import Testing
@testable import KaopingCore

@Suite struct OfflineScorerTests {
    let scorer = OfflineScorer(catalog: .zhongshan2023, roster: Fixtures.roster(perDistrict: 1))

    private func line(_ fields: [String: Any]) -> String {
        var base: [String: Any] = [
            "submission_id": "x", "submitter": "party_office", "campaign": "zhongshan-2023",
            "indicator": "party_building", "district": "D01", "score": "13.50",
        ]
        base.merge(fields) { $1 }
        let json = try! JSONSerialization.data(withJSONObject: base, options: [.sortedKeys])
        return String(decoding: json, as: UTF8.self)
    }

    private func score(_ lines: [String]) -> (ScoreReport, [String: Any]) {
        let report = scorer.score(jsonLines: Data(lines.joined(separator: "\n").utf8))
        let json = try! JSONSerialization.jsonObject(with: report.json()) as! [String: Any]
        return (report, json)
    }

    @Test func reportsEveryOutcomeWithLineNumbers() {
        let lines = [
            line(["submission_id": "a"]),  // 1 accepted
            "",  // 2 blank, counted
            line(["submission_id": "b", "score": "13.5"]),  // 3 duplicate (same value)
            line(["submission_id": "c", "score": "14"]),  // 4 conflict
            line(["submission_id": "d", "score": 14]),  // 5 JSON number: malformed
            "{not json",  // 6
            line(["submission_id": "e", "submitter": "safety_office", "district": "D02"]),  // 7 unauthorized
            line(["submission_id": "f", "district": "D02", "score": "13.555"]),  // 8 bad decimal
            line(["submission_id": "", "district": "D03"]),  // 9 empty id
            "   \t",  // 10 blank
            line(["submission_id": "g", "district": "D04", "extra": ["ignored": true], "worker": NSNull()]),  // 11
        ]
        let (report, json) = score(lines)
        #expect(report.duplicates == 1)
        #expect(report.rejected.map(\.line) == [4, 5, 6, 7, 8, 9])
        let statuses: [Rejection.Status] = [.conflict, .invalid, .invalid, .unauthorized, .invalid, .invalid]
        #expect(report.rejected.map(\.rejection.status) == statuses)
        #expect(report.rejected.map(\.submissionID) == ["c", "d", "", "e", "f", ""])
        #expect(report.rejected[1].rejection.reason.contains("score must be a JSON string"))
        #expect(json["duplicates"] as? Int == 1)
        #expect(json["final"] as? Bool == false)
        let rejected = json["rejected"] as! [[String: Any]]
        #expect(rejected.first?["status"] as? String == "conflict")
        #expect(rejected.first?["submission_id"] as? String == "c")
        let districts = json["districts"] as! [[String: Any]]
        #expect(districts.count == 22)
        #expect(districts.first?["district"] as? String == "D01")
        #expect(districts.first?["total"] as? String == "13.50")
        #expect((districts.first?["indicators"] as? [String: String])?["party_building"] == "13.50")
        #expect(districts[1]["district"] as? String == "D04")
        let workers = json["workers"] as! [[String: Any]]
        #expect(workers.count == 22)
        #expect(workers.first?["worker"] as? String == "W0101")
        #expect(workers.first?["total"] as? String == "6.75")
    }

    @Test func ignoresALeadingBOMAndCRLF() {
        let (first, second) = (line(["submission_id": "a"]), line(["submission_id": "b", "district": "D02"]))
        let input = "\u{FEFF}" + first + "\r\n" + second + "\r\n"
        let report = scorer.score(jsonLines: Data(input.utf8))
        #expect(report.rejected.isEmpty)
        #expect(report.standings.district("D02").total.description == "13.50")
    }

    @Test func appliesReopenLines() {
        let reopen = """
            {"action": "reopen", "submitter": "operator", "campaign": "zhongshan-2023", "indicator": "party_building", \
            "district": "D01", "worker": "", "period": "", "reason": "党建办 sent the wrong file"}
            """
        let lines = [
            line(["submission_id": "a"]), reopen, line(["submission_id": "b", "score": "9"]),
            line(["submission_id": "a"]),  // late resend of the voided one: conflict
            reopen.replacingOccurrences(of: "\"operator\"", with: "\"party_office\""),  // not an operator
            reopen.replacingOccurrences(of: "\"D01\"", with: "\"D05\""),  // nothing accepted: refused
            #"{"action": "delete", "submission_id": "z"}"#,
        ]
        let (report, _) = score(lines)
        #expect(report.standings.district("D01").total.description == "9.00")
        #expect(report.rejected.map(\.line) == [4, 5, 6, 7])
        #expect(report.rejected.map(\.rejection.status) == [.conflict, .unauthorized, .invalid, .invalid])
        #expect(report.rejected.last?.submissionID == "z")
    }

    @Test(arguments: [
        #"[1, 2]"#, #"null"#, #""text""#, #"{"submission_id": 7}"#, #"{"submission_id": "a", "respondents": 20.5}"#,
        #"{"submission_id": "a", "respondents": "20"}"#, #"{"submission_id": "a", "hotline": {"on_time_rate": 96}}"#,
        #"{"submission_id": "a", "hotline": "96"}"#, "\u{FF}\u{FE}",
    ])
    func malformedLinesAreInvalidNeverFatal(text: String) {
        let report = scorer.score(jsonLines: Data((text + "\n" + line(["submission_id": "ok"])).utf8))
        #expect(report.rejected.count == 1)
        #expect(report.rejected.first?.rejection.status == .invalid)
        #expect(report.rejected.first?.line == 1)
        #expect(report.standings.district("D01").total.description == "13.50")
    }

    @Test func invalidUTF8IsReportedPerLine() {
        var data = Data(line(["submission_id": "a"]).utf8)
        data.append(contentsOf: [0x0A, 0xC3, 0x28, 0x0A])
        let report = scorer.score(jsonLines: data)
        #expect(report.rejected.map(\.line) == [2])
    }

    @Test func outputKeysAreThoseOfTheContract() {
        let (_, json) = score([line([:])])
        #expect(Set(json.keys) == ["campaign", "final", "districts", "workers", "rejected", "duplicates"])
        let district = (json["districts"] as! [[String: Any]])[0]
        #expect(Set(district.keys) == ["district", "total", "rank", "grade", "indicators", "missing"])
        let worker = (json["workers"] as! [[String: Any]])[0]
        #expect(Set(worker.keys) == ["worker", "district", "total", "rank", "grade"])
    }
}
