import Foundation
import KaopingCore
import KaopingWire

/// A list of findings as the aggregator answered a query (`feedback_list`), read for people: each finding with its
/// messages decoded, and its history in plain Chinese. Shared by the agents' feedback folder, `kaoping feedback` and
/// the web console.
public struct FeedbackListing: Sendable {
    public let catalog: Catalog

    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    /// A finding as the list gave it, with its messages decoded.
    public struct Item: Sendable {
        public let listed: Kaoping_V1_FeedbackItem
        public let finding: Finding
        /// Its history: each message with its signer, step and commit time.
        public let history: [(step: FeedbackStep, entry: Kaoping_V1_FeedbackEntry)]

        public var state: FeedbackBook.State { FeedbackBook.State(rawValue: listed.state) ?? .raised }

        /// The standing plan, if one stands.
        public var plan: Plan? {
            history.lazy.compactMap {
                if case .plan(let plan) = $0.step, plan.id == listed.standingPlanID { plan } else { nil }
            }
            .first
        }

        /// The reason the latest review gave, if it gave one: what the raiser said last. A reason of an earlier
        /// review (a plan returned, then a new one accepted without a word) is in the history, not here.
        public var lastReason: String? {
            let latest = history.reversed().lazy.compactMap {
                if case .review(let review) = $0.step { review } else { nil }
            }.first
            return latest.flatMap { $0.reason.isEmpty ? nil : $0.reason }
        }
    }

    /// The items of a verified list, each with its messages decoded (an entry that does not decode is left out of
    /// its history: it cannot have been accepted).
    public static func items(of list: Kaoping_V1_FeedbackList) -> [Item] {
        list.items.compactMap { listed in
            let history = listed.history.compactMap { entry -> (FeedbackStep, Kaoping_V1_FeedbackEntry)? in
                guard var step = try? FeedbackStep.decode(envelope: entry.envelope) else { return nil }
                step.submitter = entry.submitter
                return (step, entry)
            }
            guard case .finding(let finding)? = history.first?.0 else { return nil }
            return Item(listed: listed, finding: finding, history: history)
        }
    }

    /// One finding in plain Chinese, with its history.
    public func text(_ item: Item, today: String) -> String {
        let finding = item.finding
        let time = ChinaTime.printer()
        var lines = [
            "问题反馈 \(finding.id)",
            "居民区：\(districtName(finding.district))",
            "反馈部门：\(submitterName(finding.submitter))",
        ]
        if let indicator = catalog.indicator(finding.indicator) { lines.append("指标：\(indicator.label)") }
        if !finding.worker.isEmpty { lines.append("社区工作者：\(finding.worker)") }
        lines += [
            "问题：\(finding.text)",
            "当前状态：\(item.state.label)\(item.listed.overdue ? "（已逾期）" : "")",
        ]
        if !item.listed.owedBy.isEmpty {
            let what = item.state == .planned ? "审核整改方案" : item.state == .accepted ? "完成整改" : "提交整改方案"
            lines.append(
                "下一步：\(submitterName(item.listed.owedBy)) \(what)，期限 \(item.listed.due.isEmpty ? "—" : item.listed.due)"
            )
        }
        lines += ["", "经过（截至 \(today)）："]
        for (number, (step, entry)) in item.history.enumerated() {
            let who = submitterName(entry.submitter)
            let at = time(Timestamp(milliseconds: entry.committedAtMs))
            let what: String
            switch step {
            case .finding(let finding): what = "反馈问题，整改期限 \(finding.planDue)"
            case .plan(let plan):
                what = "提交整改方案 \(plan.id)：\(plan.measures)；责任人 \(plan.responsible)；完成时限 \(plan.completeBy)"
            case .review(let review):
                let reason = review.reason.isEmpty ? "" : "：\(review.reason)"
                let due = review.planDue.isEmpty ? "" : "；新整改期限 \(review.planDue)"
                switch review.verdict {
                case .accepted: what = "通过整改方案 \(review.planID)\(reason)"
                case .returned: what = "退回整改方案 \(review.planID)\(reason)\(due)"
                case .rectified: what = "确认整改完成（销号）\(reason)"
                case .reopened: what = "重新打开\(reason)\(due)"
                }
            }
            lines.append("\(number + 1). \(at)  \(who) \(what)（第 \(entry.step) 步）")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func districtName(_ id: String) -> String {
        catalog.district(id).map { "\($0.id) \($0.name)" } ?? id
    }

    public func submitterName(_ id: String) -> String {
        if let named = (catalog.submitters + catalog.operators).first(where: { $0.id == id }) {
            return "\(named.name)（\(id)）"
        }
        if let district = SubmitterReference.leaderDistrict(of: id).flatMap(catalog.district) {
            return "\(district.name)负责人（\(id)）"
        }
        return id
    }

    /// Every finding of `items`, one row each, where it stands and its standing plan: what `findings.csv` and
    /// `kaoping feedback export` hold.
    public func findingsCSV(_ items: [Item]) -> String {
        var rows = [
            [
                "问题编号", "居民区", "反馈部门", "指标", "社区工作者", "问题", "整改期限", "状态", "逾期", "下一步由", "方案编号",
                "整改措施", "责任人", "完成时限", "最近意见",
            ]
        ]
        for item in items {
            let finding = item.finding
            let plan = item.plan
            rows.append([
                finding.id, districtName(finding.district), submitterName(finding.submitter),
                catalog.indicator(finding.indicator)?.shortLabel ?? finding.indicator, finding.worker, finding.text,
                item.listed.due.isEmpty ? finding.planDue : item.listed.due, item.state.label,
                item.listed.overdue ? "是" : "", item.listed.owedBy.isEmpty ? "" : submitterName(item.listed.owedBy),
                plan?.id ?? "", plan?.measures ?? "", plan?.responsible ?? "", plan?.completeBy ?? "",
                item.lastReason ?? "",
            ])
        }
        return Self.csv(rows)
    }

    /// CSV for Excel and WPS: UTF-8 with a byte order mark, CR LF, every field quoted as needed and none
    /// read as a formula.
    public static func csv(_ rows: [[String]]) -> String {
        "\u{FEFF}" + rows.map { $0.map(CSVTable.spreadsheetField).joined(separator: ",") }.joined(separator: "\r\n")
            + "\r\n"
    }
}
