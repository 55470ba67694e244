import Testing
@testable import KaopingCore

/// The feedback loop's rules (docs/protocol.md §7): who may do what, the states, one standing plan per finding,
/// duplicates and conflicts, overdue.
@Suite struct FeedbackBookTests {
    var book = FeedbackBook(catalog: .zhongshan2023, roster: Fixtures.roster(perDistrict: 1))
    let campaign = Catalog.zhongshan2023.campaign

    func finding(
        _ id: String = "F1", by submitter: String = "safety_office", district: String = "D05",
        indicator: String = "stability", due: String = "2024-03-31"
    ) -> FeedbackStep {
        .finding(Finding(
            id: id, submitter: submitter, campaign: campaign, district: district, indicator: indicator,
            text: "台账不全", planDue: due))
    }

    func plan(_ id: String, by submitter: String = "leader:D05", for finding: String = "F1", measures: String = "补齐")
        -> FeedbackStep
    {
        .plan(Plan(
            id: id, submitter: submitter, campaign: campaign, findingID: finding, measures: measures,
            responsible: "张三", completeBy: "2024-06-30"))
    }

    func review(
        _ id: String, _ verdict: Verdict, plan: String = "", by submitter: String = "safety_office",
        reason: String = "", due: String = ""
    ) -> FeedbackStep {
        .review(Review(
            id: id, submitter: submitter, campaign: campaign, findingID: "F1", verdict: verdict, planID: plan,
            reason: reason, planDue: due))
    }

    func status(_ outcome: FeedbackBook.Outcome) -> String {
        switch outcome {
        case .accepted: "accepted"
        case .duplicate: "duplicate"
        case .rejected(let rejection): rejection.status.rawValue
        }
    }

    @Test mutating func aFindingGoesThroughEveryStateInOrder() {
        #expect(status(book.take(finding())) == "accepted")
        #expect(book.record("F1")?.state == .raised)
        #expect(status(book.take(plan("P1"))) == "accepted")
        #expect(book.record("F1")?.state == .planned && book.record("F1")?.owedBy == "safety_office")
        #expect(status(book.take(review("R1", .returned, plan: "P1", reason: "不具体", due: "2024-04-15"))) == "accepted")
        #expect(book.record("F1")?.state == .returned && book.record("F1")?.planDue.text == "2024-04-15")
        #expect(book.record("F1")?.standingPlan == nil)
        #expect(status(book.take(plan("P2", measures: "逐户核查"))) == "accepted")
        #expect(status(book.take(review("R2", .accepted, plan: "P2"))) == "accepted")
        #expect(book.record("F1")?.state == .accepted && book.record("F1")?.owedBy == "leader:D05")
        #expect(status(book.take(review("R3", .rectified))) == "accepted")
        #expect(book.record("F1")?.state == .rectified && book.record("F1")?.isOpen == false)
        #expect(status(book.take(review("R4", .reopened, reason: "复查仍有问题"))) == "accepted")
        #expect(book.record("F1")?.state == .reopened)
        #expect(book.lastStep == 7 && book.record("F1")?.history.map(\.step) == Array(1...7))
    }

    @Test mutating func onlyTheRightSubmittersMayAct() {
        // A department only about what it scores; the assessment office about anything; heads raise nothing.
        #expect(status(book.take(finding("F0", by: "party_office"))) == "unauthorized")
        #expect(status(book.take(finding("F0", by: "leader:D05"))) == "unauthorized")
        #expect(status(book.take(finding("F0", by: "viewer:boss", indicator: ""))) == "unauthorized")
        #expect(status(book.take(finding("FA", by: "assessment_office"))) == "accepted")
        #expect(status(book.take(finding("FB", by: "party_office", indicator: ""))) == "accepted")
        #expect(status(book.take(finding())) == "accepted")
        // A plan only from the finding's district's head; a review only from the finding's raiser.
        #expect(status(book.take(plan("P1", by: "leader:D06"))) == "unauthorized")
        #expect(status(book.take(plan("P1"))) == "accepted")
        #expect(status(book.take(review("R1", .accepted, plan: "P1", by: "party_office"))) == "unauthorized")
        #expect(status(book.take(review("R1", .accepted, plan: "P1"))) == "accepted")
    }

    @Test mutating func onePlanStandsAndResendsAreDuplicates() {
        _ = book.take(finding())
        guard case .accepted(let step, _) = book.take(plan("P1")) else {
            Issue.record("the plan was not accepted")
            return
        }
        #expect(book.take(plan("P1")) == .duplicate(step: step, id: "P1"))
        #expect(book.take(plan("P1-again")) == .duplicate(step: step, id: "P1"))  // the same plan under a new id
        #expect(status(book.take(plan("P2", measures: "另一份"))) == "conflict")
        #expect(status(book.take(plan("P1", measures: "改过"))) == "conflict")  // an id reused for other content
        #expect(status(book.take(.finding(Finding(
            id: "P1", submitter: "safety_office", campaign: campaign, district: "D05", text: "x",
            planDue: "2024-03-31")))) == "conflict")  // ids are unique across the kinds
        _ = book.take(review("R1", .returned, plan: "P1", reason: "不具体"))
        #expect(book.take(plan("P1")) == .duplicate(step: step, id: "P1"))  // the returned plan, resent
        #expect(status(book.take(plan("P2", measures: "另一份"))) == "accepted")
    }

    @Test mutating func reviewsOutOfOrderAreConflictsAndMalformedOnesInvalid() {
        _ = book.take(finding())
        #expect(status(book.take(review("R0", .rectified))) == "conflict")
        #expect(status(book.take(review("R0", .accepted, plan: "P9"))) == "conflict")
        #expect(status(book.take(review("R0", .returned, plan: "P9"))) == "invalid")  // no reason
        #expect(status(book.take(review("R0", .rectified, plan: "P9"))) == "invalid")  // a plan named
        #expect(status(book.take(plan("P1", for: "F9"))) == "invalid")  // no such finding
        #expect(status(book.take(finding("F2", due: "2024-02-30"))) == "invalid")
        #expect(status(book.take(finding("F2", district: "D99"))) == "invalid")
        #expect(status(book.take(finding("has space"))) == "invalid")
        #expect(book.lastStep == 1)
    }

    @Test mutating func overdueFollowsTheDayTheNextStepIsDueBy() {
        _ = book.take(finding(due: "2024-03-31"))
        _ = book.take(finding("F2", district: "D06", due: "2024-05-31"))
        let before = CalendarDay("2024-03-31")!
        let after = CalendarDay("2024-04-01")!
        #expect(book.record("F1")?.isOverdue(on: before) == false && book.record("F1")?.isOverdue(on: after) == true)
        #expect(book.counts(on: after).districts["D05"] == FeedbackCount(open: 1, overdue: 1))
        #expect(book.counts(on: after).departments["safety_office"] == FeedbackCount(open: 2, overdue: 1))
        _ = book.take(plan("P1"))  // awaiting review: not overdue
        #expect(book.record("F1")?.isOverdue(on: after) == false)
        _ = book.take(review("R1", .accepted, plan: "P1"))  // now the plan's completion, 2024-06-30
        #expect(book.record("F1")?.isOverdue(on: CalendarDay("2024-07-01")!) == true)
        _ = book.take(review("R2", .rectified))
        #expect(book.counts(on: CalendarDay("2024-07-01")!).districts["D05"] == nil)
    }

    @Test mutating func aRestoredBookEqualsTheOneThatDecided() {
        let steps = [
            finding(), plan("P1"), review("R1", .returned, plan: "P1", reason: "不具体"), plan("P2", measures: "b"),
        ]
        for step in steps { _ = book.take(step) }
        var restored = FeedbackBook(catalog: .zhongshan2023, roster: Fixtures.roster(perDistrict: 1))
        for (number, step) in steps.enumerated() { #expect(restored.restore(step, step: number + 1) == nil) }
        #expect(restored.records == book.records && restored.lastStep == book.lastStep)
        #expect(restored.restore(plan("P3", measures: "c"), step: 5) != nil)  // a second standing plan: refused
        #expect(restored.lastStep == 4)
    }

    @Test func daysAreReadAsClerksTypeThem() {
        #expect(TypedName.day("2024/3/31") == "2024-03-31")
        #expect(TypedName.day("2024年3月31日") == "2024-03-31")
        #expect(TypedName.day("２０２４－０３－３１") == "2024-03-31")
        #expect(TypedName.day("20240331") == "2024-03-31")
        #expect(TypedName.day("2024-02-30") == nil)
        #expect(TypedName.day("2023-02-29") == nil && TypedName.day("2024-02-29") == "2024-02-29")
        #expect(TypedName.day("next week") == nil)
    }
}
