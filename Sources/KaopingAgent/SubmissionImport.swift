import Foundation
import KaopingCore
import KaopingWire

/// A row of an imported file that cannot be submitted, and why.
public struct ImportProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line of the file.
    public let line: Int
    public let message: String

    public var description: String { "line \(line): \(message)" }
}

/// Turns a department's file (CSV with a header, or JSON Lines in the `kaoping score` format, or a `.json` file
/// holding one array of such objects) into submissions of its own submitter, checked by the same rules as the
/// aggregator before anything is queued.
public struct SubmissionImport: Sendable {
    public let catalog: Catalog
    /// The roster when the agent has one; without it, whether a worker is on the roster is left to the aggregator.
    public let roster: Roster?
    /// The submitter the agent's key proves.
    public let submitter: String

    /// Whether rows are checked by the rules here (the aggregator checks them in any case).
    public let checks: Bool

    public init(catalog: Catalog, roster: Roster?, submitter: String, checks: Bool = true) {
        self.catalog = catalog
        self.roster = roster
        self.submitter = submitter
        self.checks = checks
    }

    /// Column names accepted for each field, ids first, then the Chinese headings clerks use.
    static let columns: [String: [String]] = [
        "submission_id": ["submission_id", "编号", "提交编号"],
        "indicator": ["indicator", "指标", "项目", "考核指标"],
        "district": ["district", "居民区", "居委", "居委会"],
        "worker": ["worker", "社区工作者", "工作者", "工号"],
        "period": ["period", "月份", "月"],
        "score": ["score", "得分", "分数", "分值"],
        "respondents": ["respondents", "受访户数", "抽查户数", "调查户数"],
        "key_respondents": ["key_respondents", "重点人群户数", "重点人群"],
        "participants": ["participants", "参与人数", "测评人数", "评议人数"],
        "note": ["note", "备注", "说明", "理由", "原因"],
    ]

    /// What reading a file gave: the valid rows and the problems of the others.
    public struct Outcome: Sendable {
        public var rows: [(line: Int, submission: Submission)]
        public var problems: [ImportProblem]
    }

    /// Reads a whole file and checks every row; a caller takes the rows only when there is no problem, so that a
    /// file goes in whole or not at all.
    public func read(_ data: Data, fileName: String) -> Outcome {
        let bytes = data.droppingByteOrderMark()
        guard let text = String(data: bytes, encoding: .utf8) else {
            // Excel and WPS save "CSV" in the system's code page (GBK on a Chinese Windows) unless told otherwise.
            let message = "the file is not UTF-8 text (GBK?); in Excel or WPS save it as CSV UTF-8 (逗号分隔) and try again"
            return Outcome(rows: [], problems: [ImportProblem(line: 1, message: message)])
        }
        let lower = fileName.lowercased()
        let rows: [Result<(Int, Submission), ImportProblem>]
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") {
            if JSONArrayItems.isArray(bytes) {
                do {
                    rows = json(try JSONArrayItems.items(of: bytes))
                } catch {
                    rows = [.failure(ImportProblem(line: error.line, message: error.message))]
                }
            } else {
                rows = json(ScoreLine.lines(of: bytes))
            }
        } else {
            rows = csv(text)
        }
        var submissions: [(Int, Submission)] = []
        var problems: [ImportProblem] = []
        for row in rows {
            switch row {
            case .failure(let problem): problems.append(problem)
            case .success(let (line, submission)):
                if let problem = check(submission) {
                    problems.append(ImportProblem(line: line, message: problem))
                } else {
                    submissions.append((line, submission))
                }
            }
        }
        if submissions.isEmpty, problems.isEmpty {
            problems.append(ImportProblem(line: 1, message: "the file has no rows to submit"))
        }
        return Outcome(rows: submissions, problems: problems)
    }

    /// One submission from named fields (the ids of ``columns``, as `kaoping-agent submit` takes them from its flags)
    /// and hotline rates by metric id or name, read and checked as a file's row is.
    public func submission(fields: [String: String], rates: [String: String]) -> Result<Submission, ImportProblem> {
        let trimmed = { (text: String) in text.trimmingCharacters(in: .whitespaces) }
        var metrics: [String: String] = [:]
        for (name, value) in rates {
            guard case .metric(let metric) = heading(trimmed(name)) else {
                let known = catalog.hotline.metrics.map(\.id).joined(separator: ", ")
                return .failure(ImportProblem(line: 1, message: "unknown hotline rate '\(name)'; use \(known)"))
            }
            metrics[metric] = trimmed(value)
        }
        return make(line: 1, values: fields.mapValues(trimmed), rates: metrics).flatMap { _, submission in
            check(submission).map { .failure(ImportProblem(line: 1, message: $0)) } ?? .success(submission)
        }
    }

    /// The rules' verdict for one submission, with the roster check left to the aggregator when the agent has no
    /// roster; nil when it may be sent.
    public func check(_ submission: Submission) -> String? {
        guard checks else { return nil }
        var roster = self.roster ?? .empty
        if self.roster == nil, !submission.worker.isEmpty,
            let permissive = try? Roster(
                workers: [Worker(id: submission.worker, name: "", district: submission.district)], catalog: catalog)
        {
            roster = permissive
        }
        if let fractions = fractionsOfOne(submission.hotline) { return fractions }
        if case .failure(let rejection) = catalog.validate(submission, roster: roster) {
            return rejection.reason
        }
        return nil
    }

    /// Hotline rates that are all fractions of 1 (0.881 for 88.1 %): what a script reading a sheet's percentage
    /// cells gets. Valid by the rules (0–100, once rounded to two decimals), and a month that would rank its district
    /// last on every metric, for a whole year if nobody noticed: the agent refuses it, before the rules would say to
    /// round 0.881. A real month has no rate over 0 and none over 1.
    private func fractionsOfOne(_ hotline: [String: String]) -> String? {
        let metrics = catalog.hotline.metrics
        let rates = metrics.compactMap { metric in
            hotline[metric.id].flatMap { try? ExactDecimal.parse($0, maxFractionDigits: ExactDecimal.fractionDigits) }
        }
        guard rates.count == metrics.count, let example = rates.first(where: { $0 > .zero }),
            rates.allSatisfy({ $0 <= ExactDecimal(1) })
        else { return nil }
        let shown = zip(metrics, rates).map { "\($0.label) \($1)" }.joined(separator: ", ")
        let percent = ExactDecimal(units: example.units * 100)
        return "the rates (\(shown)) look like fractions of 1, but rates are percent: write "
            + "\(example.formatted(minimumFractionDigits: 0)) as \(percent.formatted(minimumFractionDigits: 0)) "
            + "(a sheet's percentage cell holds 0.88 and shows 88%)"
    }

    // MARK: CSV

    private func csv(_ text: String) -> [Result<(Int, Submission), ImportProblem>] {
        let table: CSVTable
        do {
            table = try CSVTable(parsing: text)
        } catch {
            return [.failure(ImportProblem(line: error.line, message: error.message))]
        }
        // A sheet's title above the headings (a merged cell: one filled cell a row) is not a row of headings.
        let filled = { (row: CSVTable.Row) in
            row.fields.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let headings = table.rows.firstIndex { row in filled(row).contains { heading($0) != nil } }
        let titles = headings.flatMap { index in
            table.rows[..<index].allSatisfy { filled($0).count <= 1 } ? index : nil
        }
        guard let header = table.rows.dropFirst(titles ?? 0).first else { return [] }
        var fieldOfColumn: [Int: String] = [:]
        var metricOfColumn: [Int: String] = [:]
        var unknown: [String] = []
        for (column, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            switch heading(name) {
            case .field(let field): fieldOfColumn[column] = field
            case .metric(let metric): metricOfColumn[column] = metric
            case nil: if !name.isEmpty { unknown.append(name) }
            }
        }
        if !unknown.isEmpty {
            let known = Self.columns.keys.sorted().joined(separator: ", ")
            return [
                .failure(
                    ImportProblem(
                        line: header.line,
                        message: "unknown column \(unknown.map { "'\($0)'" }.joined(separator: ", ")); use \(known), "
                            + "the hotline rates, or their Chinese headings (居民区, 指标, 得分, …)"))
            ]
        }
        return table.rows.dropFirst((titles ?? 0) + 1).map { row in
            var values: [String: String] = [:]
            var rates: [String: String] = [:]
            for (column, value) in row.fields.enumerated() {
                let trimmed = value.trimmingCharacters(in: .whitespaces)
                if let field = fieldOfColumn[column] { values[field] = trimmed }
                if let metric = metricOfColumn[column], !trimmed.isEmpty { rates[metric] = trimmed }
            }
            return make(line: row.line, values: values, rates: rates)
        }
    }

    private enum Heading {
        case field(String)
        case metric(String)
    }

    /// What a CSV heading names: a field by its id or Chinese heading, or a hotline rate by its id or name.
    private func heading(_ name: String) -> Heading? {
        if let field = Self.columns.first(where: { $0.value.contains(name) })?.key { return .field(field) }
        if let metric = catalog.hotline.metrics.first(where: { $0.id == name || $0.label == name }) {
            return .metric(metric.id)
        }
        return nil
    }

    // MARK: JSON

    /// JSON objects in the `kaoping score` format, each with the line it starts on: the lines of JSON Lines as
    /// `kaoping score` reads them (`ScoreLine.lines(of:)`: LF or CR LF, blank lines counted), or the items of one
    /// JSON array.
    private func json(_ objects: [(number: Int, bytes: Data)]) -> [Result<(Int, Submission), ImportProblem>] {
        var rows: [Result<(Int, Submission), ImportProblem>] = []
        for (number, line) in objects {
            if line.isEmpty {
                let message = "an empty item in the JSON array (two commas in a row, or a comma before ']')"
                rows.append(.failure(ImportProblem(line: number, message: message)))
                continue
            }
            do throws(JSONSyntaxError) {
                try StrictJSON.check(line)
            } catch {
                // Named by its own line, for an item of an array that spans several.
                let message = "not valid JSON: \(error.problem) (column \(error.column))"
                rows.append(.failure(ImportProblem(line: number + error.line - 1, message: message)))
                continue
            }
            do {
                guard case .submission(let parsed) = try ScoreLine.decode(line) else {
                    rows.append(
                        .failure(ImportProblem(line: number, message: "a reopen is the operator's, not an agent's")))
                    continue
                }
                var values: [String: String] = [
                    "submission_id": parsed.id, "indicator": parsed.indicator, "district": parsed.district,
                    "worker": parsed.worker, "period": parsed.period, "score": parsed.score, "note": parsed.note,
                    "respondents": "\(parsed.respondents)", "key_respondents": "\(parsed.keyRespondents)",
                    "participants": "\(parsed.participants)",
                ]
                if !parsed.submitter.isEmpty, parsed.submitter != submitter {
                    let message = "submitter is '\(parsed.submitter)' but this agent submits as '\(submitter)'"
                    rows.append(.failure(ImportProblem(line: number, message: message)))
                    continue
                }
                if parsed.campaign != catalog.campaign, !parsed.campaign.isEmpty {
                    values["campaign"] = parsed.campaign
                }
                rows.append(make(line: number, values: values, rates: parsed.hotline))
            } catch {
                rows.append(.failure(ImportProblem(line: number, message: error.reason)))
            }
        }
        return rows
    }

    // MARK: Rows to submissions

    private func make(line: Int, values: [String: String], rates: [String: String])
        -> Result<(Int, Submission), ImportProblem>
    {
        func integer(_ field: String) -> Int? {
            guard let text = values[field], !text.isEmpty else { return 0 }
            return Int(TypedName.number(text))
        }
        for field in ["respondents", "key_respondents", "participants"] where integer(field) == nil {
            return .failure(ImportProblem(line: line, message: "\(field) '\(values[field]!)' is not a whole number"))
        }
        var submission = Submission(
            id: values["submission_id"] ?? "", submitter: submitter, campaign: values["campaign"] ?? catalog.campaign,
            indicator: indicatorID(values["indicator"] ?? ""), district: districtID(values["district"] ?? ""),
            worker: workerID(values["worker"] ?? ""), period: period(values["period"] ?? ""),
            score: TypedName.number(values["score"] ?? "", unit: "分"), respondents: integer("respondents")!,
            keyRespondents: integer("key_respondents")!, participants: integer("participants")!,
            note: values["note"] ?? "", hotline: rates.mapValues { TypedName.number($0, unit: "%") })
        if submission.district.isEmpty, let own = SubmitterReference.leaderDistrict(of: submitter) {
            submission.district = own
        }
        if submission.id.isEmpty { submission.id = Self.derivedID(submission) }
        return .success((line, submission))
    }

    /// The indicator an agent means: an id, the document's label or the short label (as ``TypedName`` reads them);
    /// when the column is empty, the one indicator this submitter owns, if it owns exactly one.
    func indicatorID(_ text: String) -> String {
        if text.isEmpty {
            let owned = catalog.indicators.filter { indicator in
                switch indicator.submitter {
                case .submitter(let id): return id == submitter
                case .districtLeader: return SubmitterReference.leaderDistrict(of: submitter) != nil
                }
            }
            return owned.count == 1 ? owned[0].id : ""
        }
        return catalog.indicatorID(typed: text) ?? text
    }

    /// The district an agent means: an id or the catalog's name (居民区01), as ``TypedName`` reads them.
    func districtID(_ text: String) -> String {
        catalog.districtID(typed: text) ?? text
    }

    /// The worker an agent means, by the roster's id when the agent has a roster.
    func workerID(_ text: String) -> String {
        guard let roster, !text.isEmpty else { return text }
        return roster.workerID(typed: text) ?? text
    }

    /// The hotline month an agent means, as ``TypedName/period(_:in:)`` reads it (Excel's 2023/3/1 is 2023-03).
    func period(_ text: String) -> String {
        text.isEmpty ? text : catalog.period(typed: text) ?? text
    }

    /// A stable id for a row without one, so that importing the same file twice queues nothing new.
    static func derivedID(_ submission: Submission) -> String {
        var content = [
            submission.submitter, submission.campaign, submission.indicator, submission.district, submission.worker,
            submission.period, submission.score, "\(submission.respondents)", "\(submission.keyRespondents)",
            "\(submission.participants)", submission.note,
        ]
        content += submission.hotline.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let digest = Data(content.joined(separator: "\u{1F}").utf8).sha256.hex.prefix(12)
        return ([submission.submitter, submission.key.description].joined(separator: "/")) + "/" + digest
    }
}
