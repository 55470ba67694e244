import Foundation
import KaopingClient
import KaopingCore
import KaopingWire

/// The findings an agent received, as a clerk reads them: in its inbox's `feedback/` folder, `findings.csv` (every
/// finding with where it stands and its plan) and one plain Chinese text per finding with its whole history; for a
/// district's head `plans-template.csv`, for a department `reviews-template.csv`, with a row for each finding that
/// waits on it — filled in and dropped into the inbox, they are sent. And the reminders of what this agent owes.
public struct FeedbackFolder: Sendable {
    public let catalog: Catalog
    public let submitter: String
    private var listing: FeedbackListing { FeedbackListing(catalog: catalog) }

    public init(catalog: Catalog, submitter: String) {
        self.catalog = catalog
        self.submitter = submitter
    }

    // MARK: - Reminders

    /// What this agent owes, one line each: a head its plans and rectifications, a department its reviews.
    public func reminders(_ items: [FeedbackListing.Item]) -> [String] {
        items.compactMap { item in
            let late = item.listed.overdue ? " — OVERDUE (已逾期)" : ""
            let (id, plan, due) = (item.finding.id, item.listed.standingPlanID, item.listed.due)
            if item.listed.owedBy == submitter, item.state.awaitsPlan {
                return "finding \(id) (\(item.finding.district), \(item.state.label)) needs a rectification plan by "
                    + "\(due)\(late): kaoping-agent plan --finding \(id) --measures … --responsible … "
                    + "--complete-by YYYY-MM-DD"
            }
            if item.listed.owedBy == submitter, item.state == .accepted {
                return "finding \(id): plan \(plan) was accepted; rectify by \(due)\(late)"
            }
            guard item.finding.submitter == submitter else { return nil }
            if item.state == .planned {
                return "finding \(id) (\(item.finding.district)): plan \(plan) awaits your review: kaoping-agent "
                    + "review --finding \(id) --plan \(plan) --verdict accepted|returned [--reason …]"
            }
            if item.state == .accepted, item.listed.overdue {
                return "finding \(id) (\(item.finding.district)): the rectification was due by \(due)\(late); mark "
                    + "it rectified when done: kaoping-agent review --finding \(id) --verdict rectified"
            }
            return nil
        }
    }

    // MARK: - Files

    /// Writes the folder's files for `items` into `folder` (made if missing), each file whole (written aside, then
    /// moved into place).
    public func write(_ items: [FeedbackListing.Item], today: String, into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try replace(folder.appendingPathComponent("findings.csv"), with: listing.findingsCSV(items))
        for item in items {
            try replace(
                folder.appendingPathComponent("\(Self.fileName(item.finding.id)).txt"),
                with: listing.text(item, today: today))
        }
        if SubmitterReference.leaderDistrict(of: submitter) != nil {
            let owed = items.filter { $0.state.awaitsPlan }
            try replace(
                folder.appendingPathComponent("plans-template.csv"),
                with: FeedbackListing.csv(
                    [["问题编号", "问题", "整改期限", "整改措施", "责任人", "完成时限"]]
                        + owed.map { [$0.finding.id, $0.finding.text, $0.listed.due, "", "", ""] }))
        } else {
            let owed = items.filter { $0.state == .planned && $0.finding.submitter == submitter }
            try replace(
                folder.appendingPathComponent("reviews-template.csv"),
                with: FeedbackListing.csv(
                    [["问题编号", "方案编号", "整改措施", "审核结果", "理由"]]
                        + owed.map { [$0.finding.id, $0.listed.standingPlanID, $0.plan?.measures ?? "", "", ""] }))
        }
    }

    /// A finding id as a file name: characters a file system may refuse become `_`.
    static func fileName(_ id: String) -> String {
        String(id.map { "/\\:*?\"<>|".contains($0) ? "_" : $0 })
    }

    private func replace(_ url: URL, with text: String) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
