import Foundation
import KaopingCore
import KaopingWire
import Testing
@testable import KaopingCLI

/// `kaoping status` for a city: the tables list those most behind first and say what they left out; `--district`
/// narrows them to some districts.
@Suite struct StatusViewTests {
    /// 60 districts; D03 misses party_building and visits, D07 misses visits; every other cell is in.
    static let catalog: Catalog = {
        let base = Catalog.zhongshan2023
        return Catalog(
            campaign: "city-2023", title: "city", districts: (1...60).map { District(id: "C\($0)", name: "社区\($0)") },
            submitters: base.submitters, operators: base.operators, indicators: base.indicators, hotline: base.hotline,
            districtGrades: base.districtGrades, workerRules: base.workerRules)
    }()

    static func status() -> Kaoping_V1_StatusReply {
        func cell(_ indicator: String, _ district: String, owner: String) -> Kaoping_V1_MissingCell {
            var cell = Kaoping_V1_MissingCell()
            (cell.indicator, cell.district, cell.owner) = (indicator, district, owner)
            return cell
        }
        var status = Kaoping_V1_StatusReply()
        status.campaign = "city-2023"
        status.missing = [
            cell("party_building", "C3", owner: "party_office"), cell("visits", "C3", owner: "leader:C3"),
            cell("visits", "C7", owner: "leader:C7"),
        ]
        status.submitters = ["party_office", "city_ops"].map { id in
            var row = Kaoping_V1_SubmitterStatus()
            (row.submitter, row.owed, row.accepted) = (id, id == "party_office" ? 1 : 0, 59)
            return row
        } + (1...60).map { number in
            var row = Kaoping_V1_SubmitterStatus()
            row.submitter = "leader:C\(number)"
            (row.owed, row.accepted) = ([3, 7].contains(number) ? 1 : 0, 1)
            return row
        }
        return status
    }

    func view(districts: Set<String>? = nil, rowLimit: Int? = 5) -> [String] {
        StatusView(
            status: Self.status(), catalog: Self.catalog, silentAfterHours: 24, now: SystemClock().now,
            districts: districts, rowLimit: rowLimit
        ).render().split(separator: "\n").map(String.init)
    }

    @Test func aLargeCampaignListsTheDistrictsAndSubmittersMostBehindFirst() throws {
        let lines = view()
        let rows = lines.filter { $0.hasPrefix("社区") }
        #expect(rows.count == 5)
        #expect(rows.first?.hasPrefix("社区3 ") == true && rows.dropFirst().first?.hasPrefix("社区7 ") == true)
        #expect(rows.dropFirst(2).map { $0.split(separator: " ").first } == ["社区1", "社区2", "社区4"])
        #expect(lines.contains { $0.hasPrefix("… 55 more districts not shown (58 complete)") })
        let submitters = lines.filter {
            $0.hasPrefix("leader:") || $0.hasPrefix("party_office") || $0.hasPrefix("city_ops")
        }
        #expect(submitters.count == 5)
        let firstThree = Set(submitters.prefix(3).map { String($0.split(separator: " ")[0]) })
        #expect(firstThree == ["party_office", "leader:C3", "leader:C7"])
        #expect(lines.contains { $0.hasPrefix("… 57 more submitters not shown, none owing;") })
    }

    @Test func everyRowWithoutALimit() {
        let lines = view(rowLimit: nil)
        #expect(lines.filter { $0.hasPrefix("社区") }.count == 60)
        #expect(lines.filter { $0.hasPrefix("leader:") }.count == 60)
        #expect(!lines.contains { $0.hasPrefix("…") })
    }

    @Test func aNarrowedReplyIsShownByItsCountsPerDistrict() {
        func cell(_ indicator: String, _ district: String, worker: String = "", period: String = "")
            -> Kaoping_V1_MissingCell
        {
            var cell = Kaoping_V1_MissingCell()
            (cell.indicator, cell.district, cell.worker, cell.period) = (indicator, district, worker, period)
            cell.owner = "leader:\(district)"
            return cell
        }
        var status = Self.status()
        (status.cellsExpected, status.cellsFilled, status.narrowed) = (100, 90, true)
        // The cells of the five districts missing the most only (C15's one is not listed), and no ranking: the
        // workers come from the counts.
        status.missing = [
            cell("party_building", "C3"), cell("worker_leader_review", "C3", worker: "W3a"),
            cell("visits", "C7"),
            cell("party_building", "C9"), cell("visits", "C9"), cell("hotline", "C9", period: "2023-01"),
            cell("hotline", "C9", period: "2023-02"), cell("visits", "C11"), cell("visits", "C13"),
        ]
        status.districts = (1...60).map { number in
            var row = Kaoping_V1_DistrictCompleteness()
            row.district = "C\(number)"
            row.missing = [3: 2, 7: 1, 9: 4, 11: 1, 13: 1, 15: 1][number] ?? 0
            row.workers = number == 3 ? 2 : 0
            return row
        }
        let lines = StatusView(
            status: status, catalog: Self.catalog, silentAfterHours: 24, now: SystemClock().now, rowLimit: 5
        ).render().split(separator: "\n").map(String.init)
        let rows = lines.filter { $0.hasPrefix("社区") }
        let names = rows.map { String($0.split(separator: " ")[0]) }
        #expect(names == ["社区9", "社区3", "社区7", "社区11", "社区13"])
        #expect(rows[1].hasSuffix("3/4") && rows[0].contains("10/12"))
        #expect(lines.contains { $0.hasPrefix("… 55 more districts not shown (54 complete)") })
        #expect(lines.contains("city-2023: 90 of 100 cells filled — provisional, 10 missing"))
    }

    @Test func aDistrictShowsItsRowAndWhoOwesItWhat() throws {
        let lines = view(districts: ["C3"])
        #expect(lines.filter { $0.hasPrefix("社区") }.map { String($0.split(separator: " ")[0]) } == ["社区3"])
        #expect(lines.contains("owed: cells of C3 only"))
        let owing = lines.filter { $0.hasPrefix("leader:") || $0.hasPrefix("party_office") || $0.hasPrefix("city_ops") }
        #expect(owing.map { String($0.split(separator: " ")[0]) } == ["party_office", "leader:C3"])
        // leader:C7 owes a cell, but not of C3.
        #expect(!lines.contains { $0.hasPrefix("leader:C7") })
    }
}

/// `kaoping export`'s CSV: a name a spreadsheet would run as a formula is written as text, a negative total stays a
/// number.
@Suite struct ExportCSVTests {
    @Test func namesThatReadAsFormulasAreDisarmedAndTotalsStayNumbers() {
        var ranking = Kaoping_V1_Ranking()
        var district = Kaoping_V1_DistrictRank()
        district.district = "D01"
        district.name = "=HYPERLINK(\"http://x\")"
        district.total = "-2.50"
        district.rank = 1
        district.grade = "ordinary"
        ranking.districts = [district]
        let lines = RankingView.csv(ranking).split(separator: "\r\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[1].contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "\(lines[1])")
        #expect(lines[1].contains(",-2.50,"), "\(lines[1])")
    }
}

/// `kaoping watch`: the open and overdue findings the feed carries, in a column of their own once there are any.
@Suite struct WatchFindingsTests {
    @Test func openAndOverdueFindingsShowBesideTheirDistrict() {
        var ranking = Kaoping_V1_Ranking()
        ranking.campaign = "zhongshan-2023"
        for (id, rank) in [("D05", 1), ("D06", 2)] {
            var district = Kaoping_V1_DistrictRank()
            district.district = id
            district.name = "居民区" + id.dropFirst()
            district.total = "80.00"
            district.rank = UInt32(rank)
            ranking.districts.append(district)
        }
        var view = RankingView()
        #expect(!view.table(ranking, sequence: 1, stale: false, workers: 0).contains("问题整改"))
        var count = Kaoping_V1_FeedbackCount()
        count.id = "D05"
        count.open = 2
        count.overdue = 1
        ranking.feedback.districts = [count]
        let table = view.table(ranking, sequence: 2, stale: false, workers: 0)
        let d05 = table.split(separator: "\n").first { $0.contains("居民区05") } ?? ""
        let d06 = table.split(separator: "\n").first { $0.contains("居民区06") } ?? ""
        #expect(table.contains("问题整改") && d05.hasSuffix("2 未销号，1 逾期") && !d06.contains("未销号"), "\(table)")
        let line = RankingView.jsonLine(ranking, sequence: 2)
        #expect(line.contains("\"findings\":[{\"district\":\"D05\",\"open\":2,\"overdue\":1}]"), "\(line)")
    }
}
