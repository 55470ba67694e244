import Testing
@testable import KaopingCore

@Suite struct SubmissionRulesTests {
    let catalog = Catalog.zhongshan2023
    let roster = Fixtures.roster(perDistrict: 2)

    private func status(_ submission: Submission) -> Rejection.Status? {
        switch catalog.validate(submission, roster: roster) {
        case .success: return nil
        case .failure(let rejection): return rejection.status
        }
    }

    private func with(_ base: Submission, _ change: (inout Submission) -> Void) -> Submission {
        var copy = base
        change(&copy)
        return copy
    }

    @Test(arguments: [(19, Rejection.Status.invalid), (20, nil), (50, nil), (51, .invalid)])
    func surveyRespondentsBetweenTwentyAndFifty(respondents: Int, expected: Rejection.Status?) {
        let submission = with(Fixtures.submission("visits", "D01", "12")) {
            $0.respondents = respondents
            $0.keyRespondents = (respondents + 2) / 3
        }
        #expect(status(submission) == expected)
    }

    @Test(arguments: [(30, 10, Rejection.Status?.none), (30, 9, .invalid), (31, 11, nil), (31, 10, .invalid),
                      (30, 30, nil), (30, 31, .invalid), (30, -1, .invalid)])
    func aThirdOfRespondentsFromKeyGroups(respondents: Int, key: Int, expected: Rejection.Status?) {
        let submission = with(Fixtures.submission("practical_matters", "D01", "12")) {
            $0.respondents = respondents
            $0.keyRespondents = key
        }
        #expect(status(submission) == expected)
    }

    @Test(arguments: [(39, Rejection.Status.invalid), (40, nil)])
    func reviewsNeedFortyParticipants(participants: Int, expected: Rejection.Status?) {
        let member = with(Fixtures.submission("member_evaluation", "D02", "18")) { $0.participants = participants }
        #expect(status(member) == expected)
        let democratic = with(Fixtures.submission("worker_democratic_review", "D01", "80", worker: "W0101")) {
            $0.participants = participants
        }
        #expect(status(democratic) == expected)
    }

    @Test(arguments: [("5", Rejection.Status?.none), ("5.00", nil), ("5.01", .invalid), ("0", nil), ("6", .invalid)])
    func bonusAndDeductionAtMostFive(score: String, expected: Rejection.Status?) {
        #expect(status(Fixtures.submission("bonus", "D03", score)) == expected)
        #expect(status(Fixtures.submission("deduction", "D03", score)) == expected)
    }

    @Test func aPositiveBonusNeedsAReason() {
        #expect(status(Fixtures.submission("bonus", "D03", "2", note: "  \u{3000}")) == .invalid)
        #expect(status(with(Fixtures.submission("deduction", "D03", "0.5")) { $0.note = "" }) == .invalid)
        #expect(status(with(Fixtures.submission("bonus", "D03", "0")) { $0.note = "" }) == nil)
    }

    @Test(arguments: ["15", "0", "15.00"])
    func scoresAtTheBoundsAreAccepted(score: String) {
        #expect(status(Fixtures.submission("visits", "D01", score)) == nil)
    }

    @Test(arguments: ["15.01", "-1", "13.555", "abc", "", "1e1"])
    func scoresOutsideTheRulesAreInvalid(score: String) {
        #expect(status(Fixtures.submission("visits", "D01", score)) == .invalid)
    }

    @Test func aLeaderMaySubmitOnlyForItsOwnDistrict() {
        let own = Fixtures.submission("worker_leader_review", "D01", "90", worker: "W0101", submitter: "leader:D01")
        #expect(status(own) == nil)
        let other = with(own) { $0.submitter = "leader:D02" }
        #expect(status(other) == .unauthorized)
    }

    @Test func departmentsMaySubmitOnlyTheirIndicators() {
        #expect(status(Fixtures.submission("party_building", "D01", "12", submitter: "safety_office")) == .unauthorized)
        #expect(status(Fixtures.submission("party_building", "D01", "12", submitter: "")) == .unauthorized)
        #expect(status(Fixtures.submission("party_building", "D01", "12", submitter: "Party_Office")) == .unauthorized)
    }

    @Test func keysMustFitTheCatalogAndRoster() {
        #expect(status(Fixtures.submission("visit", "D01")) == .invalid)
        #expect(status(Fixtures.submission("visits", "D23")) == .invalid)
        #expect(status(Fixtures.submission("visits", "d01")) == .invalid)
        #expect(status(Fixtures.submission("visits", "D01", worker: "W0101")) == .invalid)
        #expect(status(Fixtures.submission("visits", "D01", period: "2023-01")) == .invalid)
        #expect(status(Fixtures.submission("worker_leader_review", "D01", "90", worker: "")) == .invalid)
        #expect(status(Fixtures.submission("worker_leader_review", "D01", "90", worker: "W9999")) == .invalid)
        // W0201 is in D02: the district must be the worker's own.
        #expect(
            status(Fixtures.submission("worker_leader_review", "D01", "90", worker: "W0201", submitter: "leader:D01"))
                == .invalid)
        #expect(status(Fixtures.hotline("D01", "2023-13", ["90", "96", "96", "80"])) == .invalid)
        #expect(status(Fixtures.hotline("D01", "", ["90", "96", "96", "80"])) == .invalid)
        #expect(status(with(Fixtures.submission("visits", "D01")) { $0.campaign = "zhongshan-2024" }) == .invalid)
    }

    @Test func checksRunInTheOrderOfTheRules() {
        // Wrong campaign (check 2) beats unauthorized (check 4).
        let wrongCampaign = with(Fixtures.submission("visits", "D01", submitter: "city_ops")) { $0.campaign = "x" }
        #expect(status(wrongCampaign) == .invalid)
        // Unknown district (check 3) beats unauthorized.
        #expect(status(Fixtures.submission("visits", "D99", submitter: "city_ops")) == .invalid)
        // Unauthorized (check 4) beats a bad value (check 5).
        let both = Fixtures.submission("visits", "D01", "99", submitter: "city_ops")
        #expect(status(both) == .unauthorized)
    }

    @Test func hotlineNeedsAllFourRatesInRange() {
        #expect(status(Fixtures.hotline("D01", "2023-01", ["85", "95", "95", "78"])) == nil)
        #expect(status(Fixtures.hotline("D01", "2023-01", ["100", "0", "0.01", "99.99"])) == nil)
        #expect(status(Fixtures.hotline("D01", "2023-01", ["85", "95", "95"])) == .invalid)
        #expect(status(Fixtures.hotline("D01", "2023-01", ["85", "95", "100.01", "78"])) == .invalid)
        #expect(status(Fixtures.hotline("D01", "2023-01", ["85", "95", "95.555", "78"])) == .invalid)
    }

    @Test func reasonsSayWhatToDo() throws {
        guard case .failure(let rejection) = catalog.validate(
            Fixtures.submission("visits", "D01", "15.5"), roster: roster)
        else {
            Issue.record("15.5 of 15 was accepted")
            return
        }
        #expect(rejection.reason.contains("between 0 and 15"))
    }

    private func reason(_ submission: Submission) -> String? {
        guard case .failure(let rejection) = catalog.validate(submission, roster: roster) else { return nil }
        return rejection.reason
    }

    /// A refused number is named by its field, the hotline's by its metric: the name is made only for a refusal.
    @Test func aRefusedNumberNamesItsField() {
        #expect(reason(Fixtures.hotline("D01", "2023-01", ["85", "95", "100.01", "78"]))?
            .hasPrefix("hotline.resolution_rate 100.01 is out of range") == true)
        #expect(reason(Fixtures.hotline("D01", "2023-01", ["85", "9,5", "95", "78"]))?
            .hasPrefix("hotline.on_time_rate: ") == true)
        #expect(reason(Fixtures.submission("visits", "D01", "abc"))?.hasPrefix("score: ") == true)
        #expect(reason(Fixtures.submission("visits", "D01", "16"))?.hasPrefix("score 16 is out of range") == true)
    }

    /// An id typed as a person would (other case, full width, a name or label, a month as Excel writes it) is still
    /// refused, since what is signed is what is stored, but the reason names the id it means.
    @Test func aKeyTypedAsAPersonWouldIsRefusedWithTheIdItMeans() {
        #expect(reason(Fixtures.submission("visits", "d01", "12")) == "unknown district 'd01'; did you mean D01?")
        #expect(reason(Fixtures.submission("visits", "居民区０１", "12")) == "unknown district '居民区０１'; did you mean D01?")
        #expect(reason(Fixtures.submission("visits", "D99", "12"))?.hasSuffix("such as D01") == true)
        let visits = with(Fixtures.submission("visits", "D01", "12")) { $0.indicator = "VISITS" }
        #expect(reason(visits) == "unknown indicator 'VISITS'; did you mean visits?")
        let leader = with(Fixtures.submission("worker_leader_review", "D01", "90", worker: "W0101")) {
            $0.worker = "ｗ０１０１"
        }
        #expect(reason(leader) == "worker 'ｗ０１０１' is not on the roster; did you mean W0101?")
        #expect(
            reason(with(leader) { $0.worker = "W9999" }) == "worker 'W9999' is not on the roster; check the worker id")
        #expect(reason(Fixtures.hotline("D01", "2023/3/1", ["85", "95", "95", "78"]))
            == "period '2023/3/1' is not written as a month (YYYY-MM); did you mean 2023-03?")
        #expect(
            reason(Fixtures.hotline("D01", "2023/3/15", ["85", "95", "95", "78"]))?
                .hasPrefix("period '2023/3/15' is not a month of this campaign") == true)
    }
}
