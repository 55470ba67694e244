/// Every finding of a campaign and what became of it: the state machine of the feedback loop, which the aggregator
/// decides with and every reader shows.
///
/// A finding is raised, a plan is submitted, the department accepts or returns it (a returned finding waits for a
/// new plan), and once the rectification is done the department marks it rectified — or reopens it, when a new plan
/// is owed. A finding is overdue when the day by which its next step is due has passed: a plan's (the finding's
/// `plan_due`, or the new one a return or a reopen set) or, once the plan is accepted, its completion date. Each
/// accepted message is a step, numbered 1, 2, 3… across the campaign. Ids are the senders' and unique across the
/// three kinds; one plan stands per finding, with the rules of scores: the same content again is a duplicate,
/// other content a conflict.
public struct FeedbackBook: Sendable {
    /// Where a finding stands.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Raised; the district's head owes a plan.
        case raised
        /// A plan was submitted; the department owes its review.
        case planned
        /// The plan was accepted; the district rectifies by the plan's date, the department then marks it rectified.
        case accepted
        /// The plan was returned; the head owes a new one.
        case returned
        /// Rectified (销号): closed.
        case rectified
        /// Reopened after it was rectified; the head owes a new plan.
        case reopened

        /// The state as the sub-district says it.
        public var label: String {
            switch self {
            case .raised: "待提交方案"
            case .planned: "方案待审核"
            case .accepted: "整改中"
            case .returned: "方案退回"
            case .rectified: "已整改销号"
            case .reopened: "重新打开"
            }
        }

        /// Whether the district's head owes a plan.
        public var awaitsPlan: Bool { self == .raised || self == .returned || self == .reopened }

        /// Whether the finding is still open (not rectified).
        public var isOpen: Bool { self != .rectified }
    }

    /// One finding and its history.
    public struct Record: Hashable, Sendable {
        public let finding: Finding
        public fileprivate(set) var state: State
        /// The day by which a plan is due now: the finding's, or the one its last return or reopen set.
        public fileprivate(set) var planDue: CalendarDay
        /// The plan submitted or accepted, while one stands.
        public fileprivate(set) var standingPlan: Plan?
        /// Every accepted message about it, in order, with its step number; the finding first.
        public fileprivate(set) var history: [(step: Int, message: FeedbackStep)]

        /// The day by which the next step is due, when one is: a plan's, or the accepted plan's completion.
        public var due: CalendarDay? {
            if state.awaitsPlan { return planDue }
            if state == .accepted { return standingPlan.flatMap { CalendarDay($0.completeBy) } }
            return nil
        }

        /// Whether the next step is late on `today`.
        public func isOverdue(on today: CalendarDay) -> Bool { due.map { today > $0 } ?? false }

        /// Whether it is still open (not rectified).
        public var isOpen: Bool { state.isOpen }

        /// Who owes the next step: the district's head a plan or the rectification, the department a review.
        public var owedBy: String? {
            switch state {
            case .raised, .returned, .reopened, .accepted: SubmitterReference.leaderID(of: finding.district)
            case .planned: finding.submitter
            case .rectified: nil
            }
        }

        public static func == (lhs: Record, rhs: Record) -> Bool {
            lhs.finding == rhs.finding && lhs.state == rhs.state && lhs.planDue == rhs.planDue
                && lhs.standingPlan == rhs.standingPlan && lhs.history.map(\.step) == rhs.history.map(\.step)
                && lhs.history.map(\.message) == rhs.history.map(\.message)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(finding)
            hasher.combine(history.map(\.step))
        }
    }

    /// What became of a message.
    public enum Outcome: Hashable, Sendable {
        /// Accepted as step `step`; the finding's record as it is now.
        case accepted(step: Int, record: Record)
        /// The same as the message accepted as step `step` under id `id`; nothing changed.
        case duplicate(step: Int, id: String)
        case rejected(Rejection)
    }

    public let catalog: Catalog
    public let roster: Roster
    /// The records in the order their findings were raised.
    public private(set) var records: [Record] = []
    private var recordIndex: [String: Int] = [:]
    /// Every accepted message by id, with its step.
    private var messages: [String: (step: Int, message: FeedbackStep)] = [:]
    /// The number of the last step accepted.
    public private(set) var lastStep = 0

    /// Ids and texts are bounded so that a message stays small; dates are `YYYY-MM-DD`.
    public static let maximumIDLength = 64
    public static let maximumTextLength = 2_000
    public static let maximumNameLength = 100

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
    }

    /// The record of the finding `id`, if one was raised.
    public func record(_ id: String) -> Record? { recordIndex[id].map { records[$0] } }

    /// Checks and records `message` (its submitter the one its signature proved).
    public mutating func take(_ message: FeedbackStep) -> Outcome {
        do throws(Rejection) {
            try check(message)
            if let earlier = messages[message.id] {
                if earlier.message == message { return .duplicate(step: earlier.step, id: message.id) }
                throw Rejection(
                    .conflict,
                    "id \(message.id) was already used for another \(earlier.message.kind) (step \(earlier.step)); "
                        + "give every finding, plan and review an id of its own")
            }
            switch message {
            case .finding(let finding):
                let record = Record(
                    finding: finding, state: .raised, planDue: CalendarDay(finding.planDue)!, standingPlan: nil,
                    history: [])
                recordIndex[finding.id] = records.count
                records.append(record)
            case .plan(let plan):
                if let duplicate = try place(plan) { return duplicate }
            case .review(let review):
                if let duplicate = try apply(review) { return duplicate }
            }
            lastStep += 1
            messages[message.id] = (lastStep, message)
            let index = recordIndex[message.findingID]!
            records[index].history.append((lastStep, message))
            return .accepted(step: lastStep, record: records[index])
        } catch {
            return .rejected(error)
        }
    }

    /// Puts back a message read from durable storage as step `step`; returns why it could not be (the store was
    /// changed behind the aggregator's back), the book then unchanged.
    public mutating func restore(_ message: FeedbackStep, step: Int) -> Rejection? {
        let last = lastStep
        lastStep = step - 1
        switch take(message) {
        case .accepted: return nil
        case .duplicate(let earlier, _):
            lastStep = last
            return .invalid("step \(step) repeats step \(earlier)")
        case .rejected(let rejection):
            lastStep = last
            return rejection
        }
    }

    // MARK: - Checks

    private func check(_ message: FeedbackStep) throws(Rejection) {
        let (campaign, kind) =
            switch message {
            case .finding(let finding): (finding.campaign, "finding")
            case .plan(let plan): (plan.campaign, "plan")
            case .review(let review): (review.campaign, "review")
            }
        guard campaign == catalog.campaign else {
            throw .invalid("campaign '\(campaign)' is not this campaign; use '\(catalog.campaign)'")
        }
        try Self.checkID(message.id, field: "\(kind)_id")
        switch message {
        case .finding(let finding): try check(finding)
        case .plan(let plan): try check(plan)
        case .review(let review): try check(review)
        }
    }

    private func check(_ finding: Finding) throws(Rejection) {
        guard catalog.district(finding.district) != nil else {
            throw .invalid("district '\(finding.district)' is not in \(catalog.campaign); use an id such as D01")
        }
        var indicator: Indicator?
        if !finding.indicator.isEmpty {
            guard let known = catalog.indicator(finding.indicator) else {
                throw .invalid(
                    "indicator '\(finding.indicator)' is not in \(catalog.campaign); use one of "
                        + catalog.indicators.map(\.id).joined(separator: ", ") + ", or none")
            }
            indicator = known
        }
        if !finding.worker.isEmpty {
            guard let worker = roster.worker(finding.worker) else {
                throw .invalid("worker '\(finding.worker)' is not in the roster")
            }
            guard worker.district == finding.district else {
                throw .invalid("worker \(worker.id) belongs to \(worker.district), not \(finding.district)")
            }
        }
        try mayRaise(finding.submitter, district: finding.district, about: indicator)
        try Self.checkText(finding.text, field: "text", limit: Self.maximumTextLength)
        try Self.checkDay(finding.planDue, field: "plan_due")
    }

    /// Whether `submitter` may raise a finding about `indicator` (or about the district as a whole) of `district`:
    /// a department only about what it scores there, the submitters of ``Catalog/findingsForAny`` about anything.
    private func mayRaise(_ submitter: String, district: String, about indicator: Indicator?) throws(Rejection) {
        if catalog.findingsForAny.contains(submitter) { return }
        let departments = catalog.submitters.map(\.id)
        guard departments.contains(submitter) else {
            throw .unauthorized(
                "\(submitter) may not raise findings; the departments that score a district do ("
                    + departments.joined(separator: ", ") + "), and a district's head answers them with plans")
        }
        let scored = catalog.indicators.filter { $0.owner(district: district) == submitter }
        if let indicator {
            guard indicator.owner(district: district) == submitter else {
                let owned = scored.map(\.id).joined(separator: ", ")
                throw .unauthorized(
                    "\(submitter) may raise findings only about what it scores (\(owned)); \(indicator.id) is "
                        + "\(indicator.owner(district: district))'s")
            }
        } else if scored.isEmpty {
            throw .unauthorized("\(submitter) scores no indicator of \(district); it may not raise findings about it")
        }
    }

    private func check(_ plan: Plan) throws(Rejection) {
        let record = try existing(plan.findingID)
        let head = SubmitterReference.leaderID(of: record.finding.district)
        guard plan.submitter == head else {
            throw .unauthorized(
                "finding \(plan.findingID) is about \(record.finding.district); only its head \(head) may answer it "
                    + "with a plan")
        }
        try Self.checkFields(plan)
    }

    private static func checkFields(_ plan: Plan) throws(Rejection) {
        try checkText(plan.measures, field: "measures", limit: maximumTextLength)
        try checkText(plan.responsible, field: "responsible", limit: maximumNameLength)
        try checkDay(plan.completeBy, field: "complete_by")
    }

    private func check(_ review: Review) throws(Rejection) {
        let record = try existing(review.findingID)
        guard review.submitter == record.finding.submitter else {
            throw .unauthorized(
                "finding \(review.findingID) was raised by \(record.finding.submitter); only it may review it")
        }
        try Self.checkFields(review)
    }

    /// What can be checked of a plan or review without the finding it answers (an agent's local check), or of a
    /// finding without the roster: returns why it would be refused, or nil.
    public func checkAlone(_ message: FeedbackStep) -> Rejection? {
        do throws(Rejection) {
            switch message {
            case .finding(var finding):
                if roster.worker(finding.worker) == nil { finding.worker = "" }
                try check(.finding(finding))
            case .plan(let plan):
                try Self.checkID(plan.id, field: "plan_id")
                try Self.checkFields(plan)
            case .review(let review):
                try Self.checkID(review.id, field: "review_id")
                try Self.checkFields(review)
            }
            return nil
        } catch {
            return error
        }
    }

    private static func checkFields(_ review: Review) throws(Rejection) {
        switch review.verdict {
        case .accepted, .returned:
            guard !review.planID.isEmpty else {
                throw .invalid("plan_id is empty; name the plan this review accepts or returns")
            }
        case .rectified, .reopened:
            guard review.planID.isEmpty else {
                throw .invalid("plan_id is set; a finding is marked \(review.verdict.rawValue) as a whole")
            }
        }
        if review.verdict == .returned || review.verdict == .reopened {
            try checkText(review.reason, field: "reason", limit: maximumTextLength)
            if !review.planDue.isEmpty { try checkDay(review.planDue, field: "plan_due") }
        } else {
            guard review.reason.count <= maximumTextLength else {
                throw .invalid("reason is longer than \(maximumTextLength) characters; shorten it")
            }
            guard review.planDue.isEmpty else {
                throw .invalid("plan_due is set; only a return or a reopen sets a new day for a plan")
            }
        }
    }

    private func existing(_ findingID: String) throws(Rejection) -> Record {
        guard let record = record(findingID) else {
            throw .invalid("there is no finding \(findingID) in \(catalog.campaign); check the finding id")
        }
        return record
    }

    private static func checkID(_ id: String, field: String) throws(Rejection) {
        guard !id.isEmpty else { throw .invalid("\(field) is empty; give every message an id") }
        guard id.count <= maximumIDLength, id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else {
            throw .invalid("\(field) must be 1 to \(maximumIDLength) characters without spaces")
        }
    }

    private static func checkText(_ text: String, field: String, limit: Int) throws(Rejection) {
        guard !text.allSatisfy(\.isWhitespace) else { throw .invalid("\(field) is empty; write it out") }
        guard text.count <= limit else { throw .invalid("\(field) is longer than \(limit) characters; shorten it") }
    }

    private static func checkDay(_ text: String, field: String) throws(Rejection) {
        guard CalendarDay(text) != nil else {
            throw .invalid("\(field) '\(text)' is not a day; write it as 2024-03-31")
        }
    }

    // MARK: - Steps

    /// Makes `plan` the standing plan of its finding; returns the duplicate it is of, if it is one.
    private mutating func place(_ plan: Plan) throws(Rejection) -> Outcome? {
        let index = recordIndex[plan.findingID]!
        let record = records[index]
        if let standing = record.standingPlan {
            if sameContent(standing, plan), let step = messages[standing.id]?.step {
                return .duplicate(step: step, id: standing.id)
            }
            throw Rejection(
                .conflict,
                "plan \(standing.id) stands for finding \(plan.findingID) (\(record.state.label)); a new plan may "
                    + "follow only once the department returns it")
        }
        guard record.state.awaitsPlan else {
            throw Rejection(.conflict, "finding \(plan.findingID) is rectified (销号); it needs no plan")
        }
        records[index].standingPlan = plan
        records[index].state = .planned
        return nil
    }

    /// Applies `review` to its finding; returns the duplicate it is of, if it is one.
    private mutating func apply(_ review: Review) throws(Rejection) -> Outcome? {
        let index = recordIndex[review.findingID]!
        let record = records[index]
        let expected: State
        switch review.verdict {
        case .accepted, .returned:
            expected = .planned
            guard record.state == .planned, record.standingPlan?.id == review.planID else {
                if let earlier = earlierReview(like: review, in: record) { return earlier }
                throw Rejection(
                    .conflict,
                    "plan \(review.planID) is not awaiting review: finding \(review.findingID) is "
                        + "\(record.state.label)"
                        + (record.standingPlan.map { " and its plan is \($0.id)" } ?? " with no plan standing"))
            }
        case .rectified: expected = .accepted
        case .reopened: expected = .rectified
        }
        guard record.state == expected else {
            if let earlier = earlierReview(like: review, in: record) { return earlier }
            let needed = review.verdict == .rectified ? "after its plan is accepted" : "after it was rectified"
            throw Rejection(
                .conflict,
                "finding \(review.findingID) can be marked \(review.verdict.rawValue) only \(needed); it is "
                    + record.state.label)
        }
        switch review.verdict {
        case .accepted:
            records[index].state = .accepted
        case .returned, .reopened:
            records[index].state = review.verdict == .returned ? .returned : .reopened
            records[index].standingPlan = nil
            if let day = CalendarDay(review.planDue) { records[index].planDue = day }
        case .rectified:
            records[index].state = .rectified
        }
        return nil
    }

    /// An earlier review of `record` that says what `review` says under another id: a resend with a new id.
    private func earlierReview(like review: Review, in record: Record) -> Outcome? {
        for (step, message) in record.history.reversed() {
            guard case .review(var earlier) = message else { continue }
            let id = earlier.id
            earlier.id = review.id
            if earlier == review { return .duplicate(step: step, id: id) }
            // Only the latest review of the same verdict can be resent: a finding reopened and rectified again
            // takes each of them anew.
            if earlier.verdict == review.verdict { return nil }
        }
        return nil
    }

    private func sameContent(_ standing: Plan, _ plan: Plan) -> Bool {
        var renamed = standing
        renamed.id = plan.id
        return renamed == plan
    }

    // MARK: - Reading

    /// Open and overdue findings on `today`, per district and per department that raised them (only those with any).
    public func counts(on today: CalendarDay) -> (
        districts: [String: FeedbackCount], departments: [String: FeedbackCount]
    ) {
        var districts: [String: FeedbackCount] = [:]
        var departments: [String: FeedbackCount] = [:]
        for record in records where record.isOpen {
            let overdue = record.isOverdue(on: today) ? 1 : 0
            districts[record.finding.district, default: FeedbackCount()].add(overdue: overdue)
            departments[record.finding.submitter, default: FeedbackCount()].add(overdue: overdue)
        }
        return (districts, departments)
    }
}

/// How many findings are open, and how many of them overdue.
public struct FeedbackCount: Hashable, Sendable {
    public var open = 0
    public var overdue = 0

    public init(open: Int = 0, overdue: Int = 0) {
        self.open = open
        self.overdue = overdue
    }

    mutating func add(overdue late: Int) {
        open += 1
        overdue += late
    }
}
