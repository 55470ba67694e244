import Foundation
import KaopingAccounts
import KaopingCore
import KaopingTestSupport
import KaopingWire
import Synchronization
import Testing
@testable import KaopingWeb

@Suite struct HTMLTests {
    @Test func interpolatedTextIsEscapedAndMarkupIsNot() {
        let name = "居民区<script>alert('x')</script> & \"co\""
        let cell: HTML = "<b>\(name)</b>"
        let page: HTML = "<td>\(cell)</td>"
        #expect(page.text == "<td><b>居民区&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;</b></td>")
    }
}

@Suite struct RankingSnapshotTests {
    func row(_ id: String, _ total: String, _ grade: String, rank: UInt32) -> Kaoping_V1_DistrictRank {
        var row = Kaoping_V1_DistrictRank()
        row.district = id
        row.total = total
        row.grade = grade
        row.rank = rank
        return row
    }

    @Test func marginsAreReadOffTheGradesOfTheRanking() throws {
        var ranking = Kaoping_V1_Ranking()
        ranking.districts = [
            row("D1", "95.50", "excellent", rank: 1), row("D2", "90.00", "excellent", rank: 2),
            row("D3", "88.25", "good", rank: 3), row("D4", "80.00", "good", rank: 4),
            row("D5", "79.99", "ordinary", rank: 5),
        ]
        let snapshot = RankingSnapshot(ranking: ranking, sequence: 7)
        let d3 = try #require(snapshot.row("D3"))
        #expect(d3.toNextGrade == (try ExactDecimal.parse("1.75")))  // 90.00 starts excellent
        #expect(d3.aboveGradeBelow == (try ExactDecimal.parse("8.26")))  // the best ordinary total is 79.99
        #expect(snapshot.row("D1")?.toNextGrade == nil)
        #expect(snapshot.row("D2")?.aboveGradeBelow == (try ExactDecimal.parse("1.75")))
        #expect(snapshot.row("D5")?.toNextGrade == (try ExactDecimal.parse("0.01")))
        #expect(snapshot.row("D5")?.aboveGradeBelow == nil)
    }

    /// A row whose own data changed is marked; one only moved down by another's rise is not; the first ranking
    /// marks nothing. Each event is written once for every reader of all districts, and narrowed for a district.
    @Test func theLiveRankingMarksRowsWhoseDataChanged() {
        let live = LiveRanking()
        var ranking = Kaoping_V1_Ranking()
        ranking.districts = [row("D1", "90.00", "excellent", rank: 1), row("D2", "80.00", "good", rank: 2)]
        ranking.updatedAtMs = 1_500
        #expect(live.set(ranking, sequence: 1, at: 1_000).districts.isEmpty)
        ranking.districts[1] = row("D2", "95.00", "excellent", rank: 1)
        ranking.districts[0].rank = 2
        let change = live.set(ranking, sequence: 2, at: 2_000)
        #expect(change.districts == ["D2"])
        #expect(live.snapshot.changedAt == ["D2": 2])
        let all = #"{"changed":["D2"],"connected":true,"more":false,"sequence":2,"updated_at_ms":1500}"#
        #expect(change.text == "id: 2\nevent: ranking\ndata: \(all)\n\n")
        #expect(change.text(for: "D1").contains(#""changed":[]"#))
        #expect(change.text(for: "D2").contains(#""changed":["D2"]"#))
    }
}

extension RankingSnapshotTests {
    /// The findings are asked again when the feed brings other feedback counts, not at every update of scores.
    @Test func theSnapshotNotesWhenTheFeedbackCountsLastChanged() {
        let live = LiveRanking()
        var ranking = Kaoping_V1_Ranking()
        ranking.districts = [row("D1", "90.00", "excellent", rank: 1)]
        var open = Kaoping_V1_FeedbackCount()
        (open.id, open.open) = ("D1", 1)
        ranking.feedback.districts = [open]
        live.set(ranking, sequence: 1, at: 0)
        #expect(live.snapshot.feedbackChangedAt == 1)
        ranking.districts[0].total = "91.00"
        live.set(ranking, sequence: 2, at: 0)
        #expect(live.snapshot.feedbackChangedAt == 1)
        ranking.feedback.districts[0].open = 2
        live.set(ranking, sequence: 3, at: 0)
        #expect(live.snapshot.feedbackChangedAt == 3)
    }
}

@Suite struct SessionTests {
    let account = Account(name: "leader", role: .leadership, passwordHash: "$2b$04$abcdefghijklmnopqrstuv")

    @Test func aSessionEndsWhenItExpiresOrItsPasswordChanges() {
        let sessions = Sessions(lifetime: .seconds(60))
        let token = sessions.open(account, now: 0)
        let file = AccountFile(accounts: [account])
        #expect(sessions.session(token, now: 59_000, accounts: file)?.account == "leader")
        #expect(sessions.session(token, now: 60_000, accounts: file) == nil)
        let other = sessions.open(account, now: 0)
        let changed = AccountFile(accounts: [Account(name: "leader", role: .leadership, passwordHash: "$2b$04$new")])
        #expect(sessions.session(other, now: 1_000, accounts: changed) == nil)
        #expect(sessions.session("not-a-token", now: 1_000, accounts: file) == nil)
    }

    @Test func failedSignInsAreSlowedPerAccountAndAddress() {
        let sessions = Sessions(lifetime: .seconds(60))
        for _ in 0..<2 { sessions.failed(account: "leader", address: "10.0.0.1", now: 0) }
        #expect(sessions.wait(account: "leader", address: "10.0.0.1", now: 0) == .zero)
        sessions.failed(account: "leader", address: "10.0.0.1", now: 0)
        #expect(sessions.wait(account: "leader", address: "10.0.0.2", now: 0) == .seconds(2))  // the account
        #expect(sessions.wait(account: "other", address: "10.0.0.1", now: 0) == .seconds(2))  // the address
        #expect(sessions.wait(account: "leader", address: "10.0.0.2", now: 2_000) == .zero)
        sessions.succeeded(account: "leader")
        #expect(sessions.wait(account: "leader", address: "10.0.0.2", now: 0) == .zero)
    }
}

@Suite struct AccountFileTests {
    @Test func aFileRoundTripsAndABadLineIsNamed() throws {
        var file = AccountFile()
        file.set(Account(name: "d05", role: .district("D05"), passwordHash: "$2b$04$x"))
        file.set(Account(name: "leader", role: .leadership, passwordHash: "$2b$04$y"))
        let parsed = try AccountFile(parsing: file.text, path: "accounts")
        #expect(parsed.accounts == file.accounts)
        #expect(throws: AccountFileError.self) { try AccountFile(parsing: "leader boss $2b$04$y\n", path: "a") }
        do {
            _ = try AccountFile(parsing: "# c\nleader leadership $2b$04$y\nleader operator $2b$04$z\n", path: "a")
            Issue.record("a name listed twice was accepted")
        } catch {
            #expect(error.message.hasPrefix("a:3: leader is listed twice"))
        }
        #expect(Role("district:D05")?.reads(district: "D06") == false)
        #expect(Role.operator.reads(district: "D06"))
    }
}

@Suite struct DownloadTests {
    @Test func csvHasABOMQuotesFieldsAndDisarmsFormulas() {
        let table = Downloads.Table(
            preamble: ["考评活动", "zhongshan-2023"], header: ["排名", "居民区", "总分"],
            rows: [["1", "=HYPERLINK(\"x\")", "-1.50"], ["2", "甲,乙", "80.00"], ["3", "甲\n乙", "1.00"]],
            numeric: [0, 2])
        let text = String(decoding: Downloads.csv(table), as: UTF8.self)
        #expect(text.hasPrefix("\u{FEFF}考评活动,zhongshan-2023\r\n\r\n排名,居民区,总分\r\n"))
        #expect(text.contains("1,\"'=HYPERLINK(\"\"x\"\")\",-1.50\r\n"))  // a negative number stays a number
        #expect(text.contains("2,\"甲,乙\",80.00\r\n"))
        #expect(text.hasSuffix("3,\"甲\n乙\",1.00\r\n"))  // a line feed alone inside a field is quoted too
    }

    @Test func xlsxIsAWorkbook() throws {
        let table = Downloads.Table(preamble: ["a"], header: ["排名"], rows: [["1"]], numeric: [0])
        let data = try Downloads.xlsx([("居民区", table)])
        #expect(data.prefix(2) == Data("PK".utf8))
    }

    @Test func signInSendsOnlyToThisSite() {
        #expect(SignInForm.safeNext("/districts/D05") == "/districts/D05")
        #expect(SignInForm.safeNext("//evil.example/") == "/ranking")
        #expect(SignInForm.safeNext("https://evil.example/") == "/ranking")
        #expect(SignInForm.fields("name=%E5%BC%A0+%E4%B8%89&csrf=a%2Bb") == ["name": "张 三", "csrf": "a+b"])
    }
}

@Suite struct CompletenessPageTests {
    /// 完成情况 at city scale: the submitters' table lists every department and the heads of the districts the
    /// heatmap's page shows (50 of 120 here), and says how many heads other pages list.
    @Test func theSubmittersTableListsTheHeadsOfTheDistrictsOnThePage() throws {
        let catalog = Catalog.zhongshan2023
        let districts = (1...120).map { String(format: "X%03d", $0) }
        var ranking = Kaoping_V1_Ranking()
        ranking.districts = districts.map { id in
            var row = Kaoping_V1_DistrictRank()
            (row.district, row.name, row.total, row.grade) = (id, id, "80.00", "good")
            return row
        }
        var reply = Kaoping_V1_StatusReply()
        reply.submitters = (catalog.submitters.map(\.id) + districts.map(SubmitterReference.leaderID)).map { id in
            var submitter = Kaoping_V1_SubmitterStatus()
            submitter.submitter = id
            return submitter
        }
        func listed(page: Int) -> (submitters: [String], text: String) {
            let session = Session(account: "op", role: .operator, passwordHash: "", csrf: "", expires: 0)
            let context = PageContext(
                session: session, snapshot: RankingSnapshot(ranking: ranking, sequence: 1), catalog: catalog,
                query: ["page": "\(page)"], now: 0)
            let text = CompletenessPage.render(context, status: .success(reply), refusals: nil).body.text
            let marker = "data-submitter=\""
            let ids = text.components(separatedBy: marker).dropFirst().map { String($0.prefix { $0 != "\"" }) }
            return (ids, text)
        }
        let departments = catalog.submitters.map(\.id)
        let second = listed(page: 2)
        #expect(second.submitters == departments + districts[50..<100].map(SubmitterReference.leaderID))
        #expect(second.text.contains("另有 70 位居民区负责人"))
        let last = listed(page: 3)
        #expect(last.submitters == departments + districts[100...].map(SubmitterReference.leaderID))
        #expect(last.text.contains("另有 100 位居民区负责人"))
    }
}

@Suite struct StatusSourceTests {
    final class Fetches: Sendable {
        let count = Mutex(0)
    }

    /// Browsers ask at once after each event; the aggregator is asked once for them all, and again only for a later
    /// feed sequence or after 2 seconds.
    @Test func requestsThatWaitedBehindAFetchTakeItsAnswer() async {
        let connection = AggregatorConnection(
            feed: "", snapshot: "", control: "", campaign: "c", aggregator: nil, viewer: nil)
        let clock = ManualClock()  // stands still: a slow machine does not let the answers age
        let source = StatusSource(connection: connection, clock: clock)
        let cache = StatusSource.Cached<Int>()
        let fetches = Fetches()
        func ask(sequence: UInt64, answer: Int) async -> Int? {
            try? await source.cached(cache, sequence: sequence) { _ in
                fetches.count.withLock { $0 += 1 }
                Thread.sleep(forTimeInterval: 0.05)  // the aggregator's round trip
                return .success(answer)
            }.get()
        }
        let answers = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<20 { group.addTask { await ask(sequence: 5, answer: 7) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: 7, count: 20))
        #expect(fetches.count.withLock { $0 } == 1)
        #expect(await ask(sequence: 4, answer: 8) == 7)  // asked at 5: new enough
        #expect(await ask(sequence: 6, answer: 9) == 9)  // a later update: asked again
        #expect(fetches.count.withLock { $0 } == 2)
        clock.advance(by: .seconds(2))
        #expect(await ask(sequence: 6, answer: 10) == 10)  // 2 seconds old: asked again
        #expect(fetches.count.withLock { $0 } == 3)
    }
}
