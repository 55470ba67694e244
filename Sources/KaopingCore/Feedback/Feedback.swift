/// The method's feedback and rectification (§五(二)): a department tells a district what was wrong (a ``Finding``),
/// the district's head answers with a rectification plan (a ``Plan``), and the department reviews it (a
/// ``Review``). Findings never change a score (docs/scoring.md).

/// A day of the calendar as the sub-district writes it, `2024-03-31`: a plan's due date, a completion date. Kept as
/// its text, which orders as the days do.
public struct CalendarDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let text: String

    /// The day `text` names in the form `YYYY-MM-DD` (a real day: no 2024-02-30); nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...Self.days(inMonth: month, of: year)).contains(day)
        else { return nil }
        self.text = text
    }

    /// The day, China Standard Time, of `moment`.
    public init(of moment: Timestamp) {
        // Formatted as YYYY-MM-DD by construction.
        self.text = String(ChinaTime.format(moment).prefix(10))
    }

    private static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.text < rhs.text }

    public var description: String { text }
}

/// A problem a department reports to a district (问题反馈).
public struct Finding: Hashable, Sendable {
    /// Chosen by the sender; unique in the campaign.
    public var id: String
    public var submitter: String
    public var campaign: String
    public var district: String
    /// The indicator it concerns, if one; empty otherwise.
    public var indicator: String
    /// The community worker it concerns, if one; empty otherwise.
    public var worker: String
    public var text: String
    /// The day by which the district's head owes a plan (整改期限), as written.
    public var planDue: String

    public init(
        id: String, submitter: String, campaign: String, district: String, indicator: String = "", worker: String = "",
        text: String, planDue: String
    ) {
        self.id = id
        self.submitter = submitter
        self.campaign = campaign
        self.district = district
        self.indicator = indicator
        self.worker = worker
        self.text = text
        self.planDue = planDue
    }
}

/// A district head's answer to a finding (整改方案).
public struct Plan: Hashable, Sendable {
    public var id: String
    public var submitter: String
    public var campaign: String
    public var findingID: String
    public var measures: String
    /// The person responsible for the rectification (责任人).
    public var responsible: String
    /// The day by which the rectification is done (完成时限), as written.
    public var completeBy: String

    public init(
        id: String, submitter: String, campaign: String, findingID: String, measures: String, responsible: String,
        completeBy: String
    ) {
        self.id = id
        self.submitter = submitter
        self.campaign = campaign
        self.findingID = findingID
        self.measures = measures
        self.responsible = responsible
        self.completeBy = completeBy
    }
}

/// What the department that raised a finding says about it.
public enum Verdict: String, Hashable, Sendable, CaseIterable {
    /// The standing plan is workable (方案通过).
    case accepted
    /// The standing plan is sent back with a reason (方案退回); the head may send a new one.
    case returned
    /// The rectification is done (整改完成, 销号).
    case rectified
    /// A rectified finding is open again, with a reason; the head owes a new plan.
    case reopened
}

/// A department's review of one of its findings.
public struct Review: Hashable, Sendable {
    public var id: String
    public var submitter: String
    public var campaign: String
    public var findingID: String
    public var verdict: Verdict
    /// For ``Verdict/accepted`` and ``Verdict/returned``: the plan reviewed, which must be the standing one.
    public var planID: String
    /// Why: required to return a plan or reopen a finding.
    public var reason: String
    /// For ``Verdict/returned`` and ``Verdict/reopened``: a new day by which the next plan is due; empty keeps the
    /// one in force.
    public var planDue: String

    public init(
        id: String, submitter: String, campaign: String, findingID: String, verdict: Verdict, planID: String = "",
        reason: String = "", planDue: String = ""
    ) {
        self.id = id
        self.submitter = submitter
        self.campaign = campaign
        self.findingID = findingID
        self.verdict = verdict
        self.planID = planID
        self.reason = reason
        self.planDue = planDue
    }
}

/// A step of the feedback loop: what a signed message of one of the three kinds says.
public enum FeedbackStep: Hashable, Sendable {
    case finding(Finding)
    case plan(Plan)
    case review(Review)

    /// The message's own id (`finding_id`, `plan_id` or `review_id`).
    public var id: String {
        switch self {
        case .finding(let finding): finding.id
        case .plan(let plan): plan.id
        case .review(let review): review.id
        }
    }

    public var submitter: String {
        get {
            switch self {
            case .finding(let finding): finding.submitter
            case .plan(let plan): plan.submitter
            case .review(let review): review.submitter
            }
        }
        set {
            switch self {
            case .finding(var finding):
                finding.submitter = newValue
                self = .finding(finding)
            case .plan(var plan):
                plan.submitter = newValue
                self = .plan(plan)
            case .review(var review):
                review.submitter = newValue
                self = .review(review)
            }
        }
    }

    /// The finding it belongs to.
    public var findingID: String {
        switch self {
        case .finding(let finding): finding.id
        case .plan(let plan): plan.findingID
        case .review(let review): review.findingID
        }
    }

    /// The message type's name on the wire and in the store: `finding`, `plan` or `review`.
    public var kind: String {
        switch self {
        case .finding: "finding"
        case .plan: "plan"
        case .review: "review"
        }
    }
}
