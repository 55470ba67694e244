import Foundation
import KaopingCore
import KaopingWire

/// Findings, plans and reviews as a clerk writes them: from the command line, or a CSV dropped in the inbox with
/// Chinese headings (居民区, 指标, 问题, 整改期限 for findings; 问题编号, 整改措施, 责任人, 完成时限 for plans; 问题编号,
/// 审核结果, 方案编号, 理由 for reviews). Each is checked as far as the agent can (the aggregator decides the rest)
/// and given an id derived from its content when it has none, so that sending the same again is a duplicate.
public struct FeedbackImport: Sendable {
    public let catalog: Catalog
    public let roster: Roster?
    public let submitter: String

    public init(catalog: Catalog, roster: Roster?, submitter: String) {
        self.catalog = catalog
        self.roster = roster
        self.submitter = submitter
    }

    /// What a CSV's columns may be called, per kind: the field's id first, then the headings clerks use.
    static let columns: [String: [String: [String]]] = [
        "finding": [
            "finding_id": ["finding_id", "编号", "问题编号"], "district": ["district", "居民区", "居委", "居委会"],
            "indicator": ["indicator", "指标", "考核指标"], "worker": ["worker", "社区工作者", "工作者"],
            "text": ["text", "问题", "存在问题", "问题描述"], "plan_due": ["plan_due", "整改期限", "方案期限"],
        ],
        "plan": [
            "plan_id": ["plan_id", "方案编号"], "finding_id": ["finding_id", "问题编号"],
            "measures": ["measures", "整改措施", "整改方案"], "responsible": ["responsible", "责任人"],
            "complete_by": ["complete_by", "完成时限", "完成期限"], context: ["问题", "整改期限", "居民区", "指标"],
        ],
        "review": [
            "review_id": ["review_id", "审核编号"], "finding_id": ["finding_id", "问题编号"],
            "verdict": ["verdict", "审核结果", "结果"], "plan_id": ["plan_id", "方案编号"],
            "reason": ["reason", "理由", "意见", "审核意见"], "plan_due": ["plan_due", "新整改期限"],
            context: ["整改措施", "问题", "居民区"],
        ],
    ]

    /// Columns a template of the feedback folder carries for the reader (the finding's text, the plan's measures):
    /// read past, not sent.
    private static let context = "context"

    /// The column that tells each kind's CSV apart.
    private static let telling: [(kind: String, field: String)] = [
        ("review", "verdict"), ("plan", "measures"), ("finding", "text"),
    ]

    /// The verdicts as a clerk writes them.
    static let verdicts: [Verdict: [String]] = [
        .accepted: ["accepted", "accept", "通过", "方案通过", "同意"],
        .returned: ["returned", "return", "退回", "方案退回", "不通过"],
        .rectified: ["rectified", "整改完成", "销号", "已整改"],
        .reopened: ["reopened", "reopen", "重新打开", "重开"],
    ]

    /// The kind and text of a file that is a CSV of findings, plans or reviews (told by its headings); nil for
    /// anything else (scores).
    public func recognize(_ data: Data, fileName: String) -> (kind: String, text: String)? {
        guard fileName.lowercased().hasSuffix(".csv") else { return nil }
        guard let text = String(data: data.droppingByteOrderMark(), encoding: .utf8), let kind = kind(of: text)
        else { return nil }
        return (kind, text)
    }

    /// The kind of feedback a CSV holds, by its headings; nil for a CSV of scores (or anything else).
    func kind(of text: String) -> String? {
        guard let table = try? CSVTable(parsing: text), let header = table.rows.first else { return nil }
        let names = Set(header.fields.map { $0.trimmingCharacters(in: .whitespaces) })
        return Self.telling.first { kind, field in
            !names.isDisjoint(with: Self.columns[kind]![field]!)
        }?.kind
    }

    /// Reads every row of a feedback CSV of `kind`; the caller queues them only when no row has a problem.
    public func read(_ text: String, kind: String) -> (
        rows: [(line: Int, step: FeedbackStep)], problems: [ImportProblem]
    ) {
        let table: CSVTable
        do {
            table = try CSVTable(parsing: text)
        } catch {
            return ([], [ImportProblem(line: error.line, message: error.message)])
        }
        guard let header = table.rows.first, let columns = Self.columns[kind] else { return ([], []) }
        var fieldOfColumn: [Int: String] = [:]
        var unknown: [String] = []
        for (column, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if let field = columns.first(where: { $0.value.contains(name) })?.key {
                if field != Self.context { fieldOfColumn[column] = field }
            } else if !name.isEmpty {
                unknown.append(name)
            }
        }
        if !unknown.isEmpty {
            let known = columns.filter { $0.key != Self.context }.values.map { $0[1] }.sorted().joined(separator: ", ")
            return (
                [],
                [
                    ImportProblem(
                        line: header.line,
                        message:
                            "unknown column \(unknown.map { "'\($0)'" }.joined(separator: ", ")) in a \(kind) file; "
                            + "use \(known)")
                ]
            )
        }
        var rows: [(Int, FeedbackStep)] = []
        var problems: [ImportProblem] = []
        for row in table.rows.dropFirst() where row.fields.contains(where: { !$0.allSatisfy(\.isWhitespace) }) {
            var values: [String: String] = [:]
            for (column, value) in row.fields.enumerated() {
                if let field = fieldOfColumn[column] { values[field] = value.trimmingCharacters(in: .whitespaces) }
            }
            switch step(kind: kind, values) {
            case .success(let step): rows.append((row.line, step))
            case .failure(let problem): problems.append(ImportProblem(line: row.line, message: problem.reason))
            }
        }
        return (rows, problems)
    }

    /// The message `values` (field id → text as typed) describe, checked as far as the agent can.
    public func step(kind: String, _ values: [String: String]) -> Result<FeedbackStep, Rejection> {
        let value = { (field: String) in values[field] ?? "" }
        let campaign = catalog.campaign
        var message: FeedbackStep
        switch kind {
        case "finding":
            var district = catalog.districtID(typed: value("district")) ?? value("district")
            if district.isEmpty, let own = SubmitterReference.leaderDistrict(of: submitter) { district = own }
            let indicator =
                value("indicator").isEmpty ? "" : catalog.indicatorID(typed: value("indicator")) ?? value("indicator")
            let worker = roster.flatMap { $0.workerID(typed: value("worker")) } ?? value("worker")
            message = .finding(
                Finding(
                    id: value("finding_id"), submitter: submitter, campaign: campaign, district: district,
                    indicator: indicator, worker: worker, text: value("text"), planDue: Self.day(value("plan_due"))))
        case "plan":
            message = .plan(
                Plan(
                    id: value("plan_id"), submitter: submitter, campaign: campaign, findingID: value("finding_id"),
                    measures: value("measures"), responsible: value("responsible"),
                    completeBy: Self.day(value("complete_by"))))
        default:
            let typed = value("verdict")
            guard let verdict = Self.verdicts.first(where: { $0.value.contains(typed.lowercased()) })?.key else {
                return .failure(
                    .invalid(
                        "verdict '\(typed)' is not one of 通过 (accepted), 退回 (returned), 销号 (rectified), "
                            + "重新打开 (reopened)"))
            }
            message = .review(
                Review(
                    id: value("review_id"), submitter: submitter, campaign: campaign, findingID: value("finding_id"),
                    verdict: verdict, planID: value("plan_id"), reason: value("reason"),
                    planDue: value("plan_due").isEmpty ? "" : Self.day(value("plan_due"))))
        }
        if message.id.isEmpty { message = Self.withDerivedID(message) }
        if let problem = FeedbackBook(catalog: catalog, roster: roster ?? .empty).checkAlone(message) {
            return .failure(problem)
        }
        return .success(message)
    }

    /// A day as typed, as `YYYY-MM-DD` when it reads as one (else as typed, for the check to refuse in its words).
    static func day(_ text: String) -> String { TypedName.day(text) ?? text }

    /// `message` with an id derived from its content: `F-`, `P-` or `R-` and 12 hex digits.
    static func withDerivedID(_ message: FeedbackStep) -> FeedbackStep {
        var content: [String]
        switch message {
        case .finding(let finding):
            content = [
                finding.submitter, finding.campaign, finding.district, finding.indicator, finding.worker,
                finding.text, finding.planDue,
            ]
        case .plan(let plan):
            content = [plan.submitter, plan.campaign, plan.findingID, plan.measures, plan.responsible, plan.completeBy]
        case .review(let review):
            content = [
                review.submitter, review.campaign, review.findingID, review.verdict.rawValue, review.planID,
                review.reason, review.planDue,
            ]
        }
        content.insert(message.kind, at: 0)
        let id =
            message.kind.prefix(1).uppercased() + "-"
            + Data(content.joined(separator: "\u{1F}").utf8).sha256.hex.prefix(12)
        switch message {
        case .finding(var finding):
            finding.id = id
            return .finding(finding)
        case .plan(var plan):
            plan.id = id
            return .plan(plan)
        case .review(var review):
            review.id = id
            return .review(review)
        }
    }
}
