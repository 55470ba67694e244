import Testing
@testable import KaopingCore

/// Hand-computed cases for every rule of RULES.md §2–§7.
@Suite struct RulesTests {
    typealias F = Fixtures

    // MARK: §2 district total

    @Test func districtTotalAddsAndSubtracts() {
        let standings = F.standings([
            F.submission("visits", "D01", "13.5"), F.submission("practical_matters", "D01", "14"),
            F.submission("member_evaluation", "D01", "18.25"), F.submission("party_building", "D01", "12"),
            F.submission("serving_masses", "D01", "13"), F.submission("stability", "D01", "9"),
            F.submission("bonus", "D01", "2"), F.submission("deduction", "D01", "1.5"),
        ])
        let d01 = standings.district("D01")
        // 13.5 + 14 + 18.25 + 12 + 13 + 9 + 2 − 1.5
        #expect(d01.total.description == "80.25")
        #expect(d01.values["hotline"] == nil)
        #expect(d01.missing == F.months.map { "hotline:\($0)" })
        #expect(standings.district("D02").missing.prefix(3) == ["visits", "practical_matters", "hotline:2023-01"])
        #expect(!standings.isFinal)
    }

    @Test func totalCanGoNegative() {
        let standings = F.standings([F.submission("deduction", "D05", "5")])
        #expect(standings.district("D05").total.description == "-5.00")
        #expect(standings.district("D05").rank == 22)
    }

    // MARK: §3 hotline

    /// January: every district; first-contact ties at the third lowest (D03 = D04 = 73).
    private func january() -> [Submission] {
        (1...22).map { number in
            let firstContact = number == 4 ? "73" : "\(70 + number)"
            let onTime = F.decimal("100") - ExactDecimal(units: Int64(number) * 5_000)  // D22 lowest
            let resolution = F.decimal("90") + ExactDecimal(units: Int64(number) * 2_500)
            let satisfaction = "\(75 + number)"
            return F.hotline(
                F.district(number), "2023-01", [firstContact, onTime.plain, resolution.plain, satisfaction])
        }
    }

    @Test func hotlineCountsBottomThreeWithTiesAtTheBoundary() {
        let standings = F.standings(january())
        let occurrences = Dictionary(
            uniqueKeysWithValues: standings.districts.map { ($0.district.id, $0.hotlineOccurrences) })
        // D01–D03 are bottom three in first contact, resolution and satisfaction; D04 ties D03 in first contact;
        // D20–D22 are bottom three in on-time.
        #expect(occurrences["D01"] == 3 && occurrences["D02"] == 3 && occurrences["D03"] == 3)
        #expect(occurrences["D04"] == 1)
        #expect(occurrences["D20"] == 1 && occurrences["D21"] == 1 && occurrences["D22"] == 1)
        #expect(occurrences["D05"] == 0 && occurrences["D19"] == 0)
        #expect(standings.district("D01").values["hotline"]?.description == "9.70")
        #expect(standings.district("D04").values["hotline"]?.description == "9.90")
        #expect(standings.district("D05").values["hotline"]?.description == "10.00")
        #expect(standings.district("D05").missing.contains("hotline:2023-02"))
        #expect(!standings.district("D05").missing.contains("hotline:2023-01"))
    }

    @Test func allEqualRatesPutEveryDistrictInTheBottomThree() {
        let month = (1...22).map { F.hotline(F.district($0), "2023-03", ["90", "96", "96", "80"]) }
        let standings = F.standings(month)
        #expect(standings.districts.allSatisfy { $0.hotlineOccurrences == 4 })
        #expect(standings.district("D09").values["hotline"]?.description == "9.60")
    }

    @Test func anOpenMonthIsNotRanked() {
        // 21 of 22 districts: the month is not closed, so its bottom three cost nothing yet.
        let standings = F.standings(Array(january().dropLast()))
        #expect(standings.districts.allSatisfy { $0.hotlineOccurrences == 0 })
        #expect(standings.district("D01").values["hotline"]?.description == "10.00")
        #expect(standings.district("D22").values["hotline"] == nil)
        #expect(standings.district("D22").total == .zero)
    }

    @Test func aLaterOpenMonthDoesNotChangeClosedOnes() {
        let february = F.hotline("D01", "2023-02", ["0", "0", "0", "0"])
        let standings = F.standings(january() + [february])
        #expect(standings.district("D01").hotlineOccurrences == 3)
    }

    @Test func hotlineScoreNeverGoesBelowZero() throws {
        let text = CatalogFile.render(.zhongshan2023).replacingFirst(
            "penalty_per_occurrence: \"0.1\"", with: "penalty_per_occurrence: \"3\"")
        let catalog = try CatalogFile.parse(text)
        var ledger = Ledger(catalog: catalog, roster: .empty)
        for submission in january() { _ = ledger.submit(submission) }
        let standings = Scoreboard(ledger: ledger).standings()
        // D01 has 3 occurrences: 10 − 3 × 3 = 1.
        #expect(standings.district("D01").values["hotline"]?.description == "1.00")
        let month = (1...22).map { F.hotline(F.district($0), "2023-03", ["90", "96", "96", "80"]) }
        for submission in month { _ = ledger.submit(submission) }
        // D01: 3 + 4 occurrences × 3 = 21 > 10.
        #expect(Scoreboard(ledger: ledger).standings().district("D01").values["hotline"] == .zero)
    }

    @Test func ratesBelowTargetAreFlaggedNotScored() {
        let standings = F.standings([F.hotline("D07", "2023-05", ["84.99", "95", "96", "77"])])
        #expect(standings.hotlineFlags.map(\.metric.id) == ["first_contact_rate", "satisfaction_rate"])
        #expect(standings.district("D07").values["hotline"]?.description == "10.00")
    }

    // MARK: §4 grades

    private func partyBuilding(_ totals: [String]) -> [Submission] {
        totals.enumerated().map { F.submission("party_building", F.district($0 + 1), $1) }
    }

    @Test func excellentTiesExceedTheQuotaAndOrdinaryTiesAreGood() {
        // D01–D05 tie at the top; D18 and D19 tie across the ordinary boundary.
        let totals = ["15", "15", "15", "15", "15", "14", "13", "12", "11", "10", "9", "8", "7", "6", "5.5", "5.25",
                      "5", "4", "4", "3", "2", "1"]
        let standings = F.standings(partyBuilding(totals))
        let grade = { (id: String) in standings.district(id).grade }
        #expect((1...5).allSatisfy { grade(F.district($0)) == .excellent })
        #expect(grade("D06") == .good)
        #expect(grade("D18") == .good && grade("D19") == .good)
        #expect(grade("D20") == .ordinary && grade("D21") == .ordinary && grade("D22") == .ordinary)
        #expect(standings.districts.filter { $0.grade == .ordinary }.count == 3)
        #expect(standings.district("D03").rank == 1 && standings.district("D06").rank == 6)
        #expect(standings.district("D18").rank == 18 && standings.district("D19").rank == 18)
        #expect(standings.district("D20").rank == 20)
        // Listed by rank, then id.
        #expect(standings.districts.prefix(6).map(\.district.id) == ["D01", "D02", "D03", "D04", "D05", "D06"])
        #expect(standings.districts.map(\.district.id)[17...18] == ["D18", "D19"])
    }

    @Test func distinctTotalsGiveExactlyTheQuotas() {
        let distinct = (1...22).map { number -> Submission in
            let hundredths = (23 - number) * 60  // 13.20, 12.60, … 0.60
            return F.submission("party_building", F.district(number), "\(hundredths / 100).\(hundredths % 100)")
        }
        let graded = F.standings(distinct)
        #expect(graded.districts.filter { $0.grade == .excellent }.map(\.district.id) == ["D01", "D02", "D03", "D04"])
        #expect(graded.districts.filter { $0.grade == .ordinary }.map(\.district.id) == ["D19", "D20", "D21", "D22"])
    }

    @Test func aTieInsideTheOrdinaryQuotaIsOrdinary() {
        let totals = (1...18).map { "\(min(15, 25 - $0))" } + ["3", "3", "2", "1"]
        let standings = F.standings(partyBuilding(totals))
        let ordinary = standings.districts.filter { $0.grade == .ordinary }.map(\.district.id)
        #expect(Set(ordinary) == ["D19", "D20", "D21", "D22"])
    }

    @Test func districtsWithoutDataCountInTheQuotaBase() {
        // Five districts with data: q is still floor(22 × 20 %) = 4, not floor(5 × 20 %) = 1. D01–D04 are
        // excellent; the 17 at zero have five above them (not excellent) and tie across the ordinary boundary (good).
        let submissions = (1...5).map { F.submission("stability", F.district($0), "\(10 - $0)") }
        let standings = F.standings(submissions)
        let excellent = standings.districts.filter { $0.grade == .excellent }.map(\.district.id)
        #expect(excellent == ["D01", "D02", "D03", "D04"])
        #expect(standings.districts.filter { $0.grade == .good }.count == 18)
        #expect(standings.district("D22").rank == 6)
    }

    @Test func withOneDistrictAboveTheRestAllAreExcellent() {
        // Everyone else has exactly one district strictly higher, and 1 < q = 4: the tie rule makes all excellent.
        let standings = F.standings([F.submission("stability", "D09", "8")])
        #expect(standings.districts.allSatisfy { $0.grade == .excellent })
        #expect(standings.district("D01").rank == 2)
    }

    // MARK: §5 workers

    @Test func workerTotalIsExactWithThreeDecimals() {
        let roster = F.roster(perDistrict: 1)
        let standings = F.standings([
            F.submission("visits", "D01", "15"), F.submission("practical_matters", "D01", "15"),
            F.submission("member_evaluation", "D01", "20"), F.submission("party_building", "D01", "15"),
            F.submission("serving_masses", "D01", "15"), F.submission("stability", "D01", "10"),
            F.submission("deduction", "D01", "2.65"),
            F.submission("worker_leader_review", "D01", "85.55", worker: "W0101"),
            F.submission("worker_democratic_review", "D01", "90.01", worker: "W0101"),
        ], roster: roster)
        #expect(standings.district("D01").total.description == "87.35")
        // 0.2 × 85.55 + 0.3 × 90.01 + 0.5 × 87.35 = 17.11 + 27.003 + 43.675
        #expect(standings.worker("W0101").total.description == "87.788")
        #expect(standings.worker("W0101").rank == 1)
    }

    @Test func districtResultIsClampedToZeroAndOneHundred() {
        let roster = F.roster(perDistrict: 1)
        var submissions = ["visits", "practical_matters", "member_evaluation", "party_building", "serving_masses",
                           "stability"].map { id in
            F.submission(id, "D02", Fixtures.catalog.indicator(id)!.max.plain)
        }
        submissions += [F.submission("bonus", "D02", "5"), F.submission("deduction", "D02", "0"),
                        F.hotline("D02", "2023-01", ["90", "96", "96", "80"])]
        submissions += [F.submission("worker_leader_review", "D02", "100", worker: "W0201"),
                        F.submission("worker_democratic_review", "D02", "100", worker: "W0201")]
        submissions += [F.submission("deduction", "D03", "5"),
                        F.submission("worker_leader_review", "D03", "50", worker: "W0301"),
                        F.submission("worker_democratic_review", "D03", "50", worker: "W0301")]
        let standings = F.standings(submissions, roster: roster)
        #expect(standings.district("D02").total.description == "105.00")
        #expect(standings.worker("W0201").total.description == "100.00")
        #expect(standings.district("D03").total.description == "-5.00")
        #expect(standings.worker("W0301").total.description == "25.00")
        // A worker with no data of its own still gets half its district's result.
        #expect(standings.worker("W0401").total == .zero)
        #expect(standings.worker("W0401").grade == .unqualified)
    }

    @Test func workerGradesUseTheQuotaOnlyAtSixtyOrAbove() {
        let rules = Catalog.zhongshan2023.workerRules
        let totals = ["95", "90", "90", "90", "85", "60", "59.99", "50", "49.99"] + Array(repeating: "10", count: 13)
        let boundaries = rules.boundaries(in: OrderStatistics(totals.map(F.decimal)))
        #expect(rules.excellent.count(of: 22) == 3)
        let grades = totals.prefix(9).map { boundaries.grade(of: F.decimal($0)) }
        #expect(grades == [.excellent, .excellent, .excellent, .excellent, .qualified, .qualified,
                           .basicallyQualified, .basicallyQualified, .unqualified])
        let low = OrderStatistics(["59", "40", "30"].map(F.decimal) + Array(repeating: F.decimal("1"), count: 19))
        #expect(rules.boundaries(in: low).grade(of: F.decimal("59")) == .basicallyQualified)
    }

    @Test func theWorkerQuotaBaseIsTheWholeRoster() {
        // 22 workers, 15 % → 3; two of them have data and 60+, the rest 0: both excellent.
        let roster = F.roster(perDistrict: 1)
        var submissions: [Submission] = []
        for district in ["D01", "D02"] {
            for id in ["visits", "practical_matters", "member_evaluation", "party_building", "serving_masses",
                       "stability"] {
                submissions.append(F.submission(id, district, Fixtures.catalog.indicator(id)!.max.plain))
            }
            let worker = "W\(district.dropFirst())01"
            submissions.append(F.submission("worker_leader_review", district, "80", worker: worker))
            submissions.append(F.submission("worker_democratic_review", district, "80", worker: worker))
        }
        let standings = F.standings(submissions, roster: roster)
        #expect(standings.worker("W0101").total.description == "85.00")  // 16 + 24 + 45
        #expect(standings.workers.filter { $0.grade == .excellent }.map(\.worker.id) == ["W0101", "W0201"])
        #expect(standings.workers.count == 22)
    }

    // MARK: §4/§7 provisional, final and completeness

    @Test func eachDistrictsCountsAndCellsAgreeWithTheWholeList() {
        let roster = F.roster(perDistrict: 2)
        var generator = SplitMix64(seed: 11)
        // A third of a campaign left out, district cells, hotline months and worker reviews alike.
        let partial = F.completeCampaign(roster: roster, generator: &generator).enumerated()
            .filter { $0.offset % 3 != 0 }.map(\.element)
        var ledger = Ledger(catalog: .zhongshan2023, roster: roster)
        for submission in partial { _ = ledger.submit(submission) }
        let board = Scoreboard(ledger: ledger)
        let all = board.completeness(detailed: true).missing
        let counts = Dictionary(grouping: all, by: \.key.district).mapValues(\.count)
        let districts = board.districtCompleteness()
        #expect(districts.map(\.district) == Catalog.zhongshan2023.districts.map(\.id))
        #expect(districts.map(\.missing) == districts.map { counts[$0.district, default: 0] })
        #expect(districts.allSatisfy { $0.workers == 2 } && districts.contains { $0.missing > 0 })
        let some: Set = ["D07", "D03"]
        let cells = board.missingCells(ofDistricts: some.union(["D99"]))
        #expect(Set(cells) == Set(all.filter { some.contains($0.key.district) }))
        #expect(cells.count == all.count { some.contains($0.key.district) })
        // By district in catalog order; each district's own cells before its workers'.
        #expect(cells.map(\.key.district) == cells.map(\.key.district).sorted())
        let d03 = cells.filter { $0.key.district == "D03" }
        #expect(d03.map(\.key.worker.isEmpty) == d03.map(\.key.worker.isEmpty).sorted { $0 && !$1 })
    }

    @Test func completenessCountsEveryExpectedCellAndWhoOwesIt() {
        let roster = F.roster(perDistrict: 2)
        var generator = SplitMix64(seed: 7)
        let complete = F.completeCampaign(roster: roster, generator: &generator)
        #expect(complete.count == 176 + 264 + 88)
        let final = F.standings(complete, roster: roster)
        #expect(final.isFinal)
        #expect(final.completeness.expected == 528)
        #expect(CellIndex(catalog: .zhongshan2023, roster: roster).count == 528)
        #expect(Catalog.zhongshan2023.expectedCells(roster: roster).count == 528)
        #expect(final.districts.allSatisfy { $0.missing.isEmpty })

        let withoutOne = complete.filter { !($0.indicator == "worker_leader_review" && $0.worker == "W0702") }
        let provisional = F.standings(withoutOne, roster: roster)
        #expect(!provisional.isFinal)
        #expect(provisional.completeness.missing.map(\.owner) == ["leader:D07"])
        #expect(provisional.completeness.missing.first?.key.worker == "W0702")
        #expect(provisional.districts.allSatisfy { $0.missing.isEmpty })

        let empty = F.standings([], roster: roster)
        #expect(empty.completeness.missing.count == 528)
        let owed = Dictionary(uniqueKeysWithValues: empty.completeness.missingByOwner.map { ($0.owner, $0.count) })
        #expect(owed["survey_vendor"] == 44 && owed["city_ops"] == 264 && owed["assessment_team"] == 22 + 44)
        #expect(owed["leader:D01"] == 2)
    }
}
