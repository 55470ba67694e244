import Foundation
import KaopingCore
import SwiftProtobuf

extension FeedbackStep {
    /// The step an envelope of type `type` carries in `payload`, as signed (its submitter as claimed: the caller
    /// sets the one the signature proved); nil for another type. Throws when the payload is not the type's message.
    public static func decode(type: MessageType, payload: Data) throws -> FeedbackStep? {
        switch type {
        case .finding:
            return .finding(Finding(wire: try SignedEnvelope.decodePayload(Kaoping_V1_Finding.self, from: payload)))
        case .plan:
            return .plan(Plan(wire: try SignedEnvelope.decodePayload(Kaoping_V1_Plan.self, from: payload)))
        case .review:
            let wire = try SignedEnvelope.decodePayload(Kaoping_V1_Review.self, from: payload)
            guard let review = Review(wire: wire) else {
                throw WireError(
                    "verdict \(wire.verdict.rawValue) is not one of PLAN_ACCEPTED, PLAN_RETURNED, "
                        + "RECTIFIED, REOPENED")
            }
            return .review(review)
        default:
            return nil
        }
    }

    /// The step of a stored or listed envelope.
    public static func decode(envelope bytes: Data) throws -> FeedbackStep {
        let envelope = try SignedEnvelope.decode(bytes)
        guard let type = MessageType(rawValue: envelope.type),
            let step = try decode(type: type, payload: envelope.payload)
        else { throw WireError("a '\(envelope.type)' envelope is not a finding, plan or review") }
        return step
    }

    /// The message type that carries it.
    public var messageType: MessageType {
        switch self {
        case .finding: .finding
        case .plan: .plan
        case .review: .review
        }
    }

    /// The wire message, stamped with the signing time.
    public func wire(signedAt: Timestamp) -> any SwiftProtobuf.Message {
        switch self {
        case .finding(let finding):
            var wire = Kaoping_V1_Finding()
            wire.findingID = finding.id
            wire.submitter = finding.submitter
            wire.campaign = finding.campaign
            wire.district = finding.district
            wire.indicator = finding.indicator
            wire.worker = finding.worker
            wire.text = finding.text
            wire.planDue = finding.planDue
            wire.signedAtMs = signedAt.milliseconds
            return wire
        case .plan(let plan):
            var wire = Kaoping_V1_Plan()
            wire.planID = plan.id
            wire.submitter = plan.submitter
            wire.campaign = plan.campaign
            wire.findingID = plan.findingID
            wire.measures = plan.measures
            wire.responsible = plan.responsible
            wire.completeBy = plan.completeBy
            wire.signedAtMs = signedAt.milliseconds
            return wire
        case .review(let review):
            var wire = Kaoping_V1_Review()
            wire.reviewID = review.id
            wire.submitter = review.submitter
            wire.campaign = review.campaign
            wire.findingID = review.findingID
            wire.verdict = Kaoping_V1_Verdict(review.verdict)
            wire.planID = review.planID
            wire.reason = review.reason
            wire.planDue = review.planDue
            wire.signedAtMs = signedAt.milliseconds
            return wire
        }
    }
}

extension Finding {
    public init(wire: Kaoping_V1_Finding) {
        self.init(
            id: wire.findingID, submitter: wire.submitter, campaign: wire.campaign, district: wire.district,
            indicator: wire.indicator, worker: wire.worker, text: wire.text, planDue: wire.planDue)
    }
}

extension Plan {
    public init(wire: Kaoping_V1_Plan) {
        self.init(
            id: wire.planID, submitter: wire.submitter, campaign: wire.campaign, findingID: wire.findingID,
            measures: wire.measures, responsible: wire.responsible, completeBy: wire.completeBy)
    }
}

extension Review {
    /// Nil when the verdict is unset or unknown.
    public init?(wire: Kaoping_V1_Review) {
        let verdict: Verdict
        switch wire.verdict {
        case .planAccepted: verdict = .accepted
        case .planReturned: verdict = .returned
        case .rectified: verdict = .rectified
        case .reopened: verdict = .reopened
        case .unspecified, .UNRECOGNIZED: return nil
        }
        self.init(
            id: wire.reviewID, submitter: wire.submitter, campaign: wire.campaign, findingID: wire.findingID,
            verdict: verdict, planID: wire.planID, reason: wire.reason, planDue: wire.planDue)
    }
}

extension Kaoping_V1_Verdict {
    public init(_ verdict: Verdict) {
        switch verdict {
        case .accepted: self = .planAccepted
        case .returned: self = .planReturned
        case .rectified: self = .rectified
        case .reopened: self = .reopened
        }
    }
}

extension Kaoping_V1_FeedbackCounts {
    /// The counts of `book` on `today`, districts in catalog order and departments in the catalog's order of
    /// submitters (those with none left out).
    public init(
        _ counts: (districts: [String: FeedbackCount], departments: [String: FeedbackCount]),
        catalog: Catalog, today: CalendarDay
    ) {
        self.init()
        self.today = today.text
        func entry(_ id: String, _ count: FeedbackCount) -> Kaoping_V1_FeedbackCount {
            var wire = Kaoping_V1_FeedbackCount()
            wire.id = id
            wire.open = UInt32(count.open)
            wire.overdue = UInt32(count.overdue)
            return wire
        }
        districts = catalog.districts.compactMap { district in
            counts.districts[district.id].map { entry(district.id, $0) }
        }
        let order = catalog.submitters.map(\.id)
        departments = counts.departments.sorted {
            (order.firstIndex(of: $0.key) ?? order.count, $0.key) < (
                order.firstIndex(of: $1.key) ?? order.count, $1.key
            )
        }.map { entry($0.key, $0.value) }
    }
}
