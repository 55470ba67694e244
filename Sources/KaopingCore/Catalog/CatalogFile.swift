import Yams

/// The human-editable YAML form of a ``Catalog``: `kaoping catalog show` writes it, `kaoping catalog check` and
/// `--catalog FILE` read it. Every problem is reported with its line and field and what to fix.
public enum CatalogFile {
    /// Reads and checks a catalog.
    public static func parse(_ text: String) throws(CatalogFileError) -> Catalog {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw CatalogFileError(
                    line: 1, field: "", message: "the file is empty; start from `kaoping catalog show`")
            }
            root = node
        } catch let error as CatalogFileError {
            throw error
        } catch let error as YamlError {
            throw CatalogFileError(
                line: Self.line(of: error), field: "", message: "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw CatalogFileError(line: 1, field: "", message: "not valid YAML: \(error)")
        }
        return try CatalogReader().read(YAMLNode(node: root, path: ""))
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return 1
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }
}

// MARK: - Reading

/// Reads the YAML tree into a catalog, checking each value where its line is known.
private struct CatalogReader {
    func read(_ root: YAMLNode) throws(CatalogFileError) -> Catalog {
        let fields = try root.mapping(keys: [
            "campaign", "title", "districts", "submitters", "operators", "indicators", "hotline",
            "district_grades", "workers", "findings_for_any",
        ])
        let campaign = try fields.required("campaign").identifier()
        let title = try fields.optional("title")?.string() ?? campaign
        let districts = try named(fields.required("districts"), what: "district").map {
            District(id: $0.id, name: $0.name)
        }
        let submitters = try named(fields.required("submitters"), what: "submitter")
        let operators = try named(fields.required("operators"), what: "operator")
        let known = Set(submitters.map(\.id))
        var indicators: [Indicator] = []
        for node in try fields.required("indicators").sequence() {
            let indicator = try self.indicator(node, submitters: known)
            guard !indicators.contains(where: { $0.id == indicator.id }) else {
                throw node.error("indicator id '\(indicator.id)' is used twice; ids must be unique")
            }
            if indicator.scope == .hotline, indicators.contains(where: { $0.scope == .hotline }) {
                throw node.error("only one indicator may have scope hotline")
            }
            indicators.append(indicator)
        }
        guard !indicators.isEmpty else { throw fields.node.error("'indicators' is empty; list at least one") }
        let hotline = try self.hotline(fields.required("hotline"), used: indicators.contains { $0.scope == .hotline })
        let grades = try fields.required("district_grades").mapping(keys: ["excellent", "ordinary"])
        let workers = try workerRules(fields.required("workers"), components: indicators.filter { $0.scope == .worker })
        var findingsForAny: [String] = []
        for node in try fields.optional("findings_for_any")?.sequence() ?? [] {
            let id = try node.identifier()
            guard known.contains(id) else {
                throw node.error(
                    "unknown submitter '\(id)' in findings_for_any; list it under 'submitters' or use one of "
                        + known.sorted().joined(separator: ", "))
            }
            findingsForAny.append(id)
        }
        return Catalog(
            campaign: campaign, title: title, districts: districts, submitters: submitters, operators: operators,
            indicators: indicators, hotline: hotline,
            districtGrades: DistrictGradeRules(
                excellent: try quota(grades.required("excellent"), extra: []).quota,
                ordinary: try quota(grades.required("ordinary"), extra: []).quota),
            workerRules: workers, findingsForAny: findingsForAny)
    }

    /// A non-empty list of `{id, name}` with unique ids.
    private func named(_ node: YAMLNode, what: String) throws(CatalogFileError) -> [NamedSubmitter] {
        var items: [NamedSubmitter] = []
        for item in try node.sequence() {
            let fields = try item.mapping(keys: ["id", "name"])
            let id = try fields.required("id").identifier()
            guard !items.contains(where: { $0.id == id }) else {
                throw item.error("\(what) id '\(id)' is used twice; ids must be unique")
            }
            items.append(NamedSubmitter(id: id, name: try fields.optional("name")?.string() ?? id))
        }
        guard !items.isEmpty else { throw node.error("the list is empty; list at least one \(what)") }
        return items
    }

    private func indicator(_ node: YAMLNode, submitters: Set<String>) throws(CatalogFileError) -> Indicator {
        let fields = try node.mapping(keys: [
            "id", "label", "short_label", "category", "scope", "max", "submitter", "effect", "weight", "evidence",
        ])
        let id = try fields.required("id").identifier()
        let scopeNode = try fields.required("scope")
        guard let scope = Indicator.Scope(rawValue: try scopeNode.string()) else {
            let scopes = Indicator.Scope.allCases.map(\.rawValue).joined(separator: ", ")
            throw scopeNode.error("unknown scope; use one of \(scopes)")
        }
        let maxNode = try fields.required("max")
        let max = try maxNode.decimal()
        guard max > .zero else { throw maxNode.error("max must be above 0") }
        let submitterNode = try fields.required("submitter")
        let submitterID = try submitterNode.string()
        let submitter: SubmitterReference
        if submitterID == SubmitterReference.leaderKeyword {
            submitter = .districtLeader
        } else if submitters.contains(submitterID) {
            submitter = .submitter(submitterID)
        } else {
            throw submitterNode.error(
                "unknown submitter '\(submitterID)'; list it under 'submitters' or use one of "
                    + (submitters.sorted() + [SubmitterReference.leaderKeyword]).joined(separator: ", "))
        }
        var effect = Indicator.Effect.add
        if let node = fields.optional("effect") {
            guard scope != .worker else {
                throw node.error("a worker indicator has a weight, not an effect; remove it")
            }
            guard let parsed = Indicator.Effect(rawValue: try node.string()) else {
                throw node.error("unknown effect; use add or subtract")
            }
            effect = parsed
        }
        var weight = ExactDecimal.zero
        if scope == .worker {
            weight = try self.weight(try fields.required("weight"))
        } else if let node = fields.optional("weight") {
            throw node.error("only worker indicators have a weight; use effect for a district indicator")
        }
        let label = try fields.optional("label")?.string() ?? id
        return Indicator(
            id: id, label: label, shortLabel: try fields.optional("short_label")?.string() ?? label,
            category: try fields.optional("category")?.string() ?? "", scope: scope, max: max,
            submitter: submitter, effect: effect, weight: weight,
            evidence: try fields.optional("evidence").map { node throws(CatalogFileError) in try evidence(node) }
                ?? Evidence())
    }

    private func weight(_ node: YAMLNode) throws(CatalogFileError) -> ExactDecimal {
        let weight = try node.decimal()
        guard weight <= ExactDecimal(1) else { throw node.error("a weight is a share between 0 and 1, such as 0.2") }
        return weight
    }

    private func evidence(_ node: YAMLNode) throws(CatalogFileError) -> Evidence {
        let fields = try node.mapping(keys: [
            "respondents", "min_key_share", "min_participants", "note_required_when_positive",
        ])
        var evidence = Evidence()
        if let node = fields.optional("respondents") {
            let bounds = try node.mapping(keys: ["min", "max"])
            let low = try bounds.required("min").integer()
            let high = try bounds.required("max").integer()
            guard low <= high else { throw node.error("min \(low) is above max \(high); swap them") }
            evidence.respondents = low...high
        }
        if let node = fields.optional("min_key_share") {
            let parts = try node.string().split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let numerator = Int(parts[0]), let denominator = Int(parts[1]), numerator >= 0,
                denominator > 0, numerator <= denominator
            else {
                throw node.error("write the share as a fraction up to 1, such as 1/3")
            }
            evidence.minimumKeyShare = Fraction(numerator, denominator)
        }
        if let node = fields.optional("min_participants") {
            evidence.minimumParticipants = try node.integer()
        }
        if let node = fields.optional("note_required_when_positive") {
            evidence.noteRequiredWhenPositive = try node.boolean()
        }
        return evidence
    }

    private func hotline(_ node: YAMLNode, used: Bool) throws(CatalogFileError) -> HotlineRules {
        let fields = try node.mapping(keys: [
            "periods", "metrics", "bottom_count", "penalty_per_occurrence", "maximum_rate",
        ])
        var periods: [String] = []
        for period in try fields.required("periods").sequence() {
            let text = try period.string()
            guard !text.isEmpty, !periods.contains(text) else {
                throw period.error("period '\(text)' is empty or given twice; list each month once")
            }
            periods.append(text)
        }
        let maximumRate = try fields.required("maximum_rate").decimal()
        var metrics: [HotlineRules.Metric] = []
        for metricNode in try fields.required("metrics").sequence() {
            let metric = try metricNode.mapping(keys: ["id", "label", "target"])
            let id = try metric.required("id").identifier()
            guard !metrics.contains(where: { $0.id == id }) else {
                throw metricNode.error("metric id '\(id)' is used twice; ids must be unique")
            }
            let targetNode = try metric.required("target")
            let target = try targetNode.decimal()
            guard target <= maximumRate else {
                throw targetNode.error("target \(target.plain) is above maximum_rate \(maximumRate.plain)")
            }
            metrics.append(.init(id: id, label: try metric.optional("label")?.string() ?? id, target: target))
        }
        if used, periods.isEmpty || metrics.isEmpty {
            throw node.error("a hotline indicator needs at least one period and one metric")
        }
        let bottomNode = try fields.required("bottom_count")
        let bottomCount = try bottomNode.integer()
        guard bottomCount >= 1 else { throw bottomNode.error("bottom_count must be at least 1") }
        return HotlineRules(
            periods: periods, metrics: metrics, bottomCount: bottomCount,
            penaltyPerOccurrence: try fields.required("penalty_per_occurrence").decimal(), maximumRate: maximumRate)
    }

    private func quota(
        _ node: YAMLNode, extra: [String]
    ) throws(CatalogFileError) -> (quota: Quota, fields: YAMLMapping) {
        let fields = try node.mapping(keys: ["percent", "rounding"] + extra)
        let percentNode = try fields.required("percent")
        let percent = try percentNode.decimal()
        guard percent <= ExactDecimal(100) else {
            throw percentNode.error("a quota of \(percent.plain) % is over 100 %; use a percent between 0 and 100")
        }
        var rounding = Quota.Rounding.floor
        if let node = fields.optional("rounding") {
            guard let parsed = Quota.Rounding(rawValue: try node.string()) else {
                let roundings = Quota.Rounding.allCases.map(\.rawValue).joined(separator: ", ")
                throw node.error("unknown rounding; use one of \(roundings)")
            }
            rounding = parsed
        }
        return (Quota(percent: percent, rounding: rounding), fields)
    }

    private func workerRules(_ node: YAMLNode, components: [Indicator]) throws(CatalogFileError) -> WorkerRules {
        let fields = try node.mapping(keys: [
            "district_result_label", "district_result_weight", "district_result_range", "excellent",
            "qualified_min_total", "basically_qualified_min_total",
        ])
        let weight = try self.weight(fields.required("district_result_weight"))
        let sum = components.reduce(weight) { $0 + $1.weight }
        guard sum == ExactDecimal(1) else {
            let parts = components.map { "\($0.id) \($0.weight.plain)" } + ["district_result_weight \(weight.plain)"]
            throw node.error(
                "the weights add up to \(sum.plain), not 1 (\(parts.joined(separator: " + "))); "
                    + "adjust them to sum to 1")
        }
        let rangeNode = try fields.required("district_result_range")
        let range = try rangeNode.mapping(keys: ["min", "max"])
        let low = try range.required("min").decimal(signed: true)
        let high = try range.required("max").decimal(signed: true)
        guard low <= high else { throw rangeNode.error("min \(low.plain) is above max \(high.plain); swap them") }
        let (excellent, excellentFields) = try quota(fields.required("excellent"), extra: ["min_total"])
        let qualifiedNode = try fields.required("qualified_min_total")
        let qualified = try qualifiedNode.decimal()
        let basically = try fields.required("basically_qualified_min_total").decimal()
        guard basically <= qualified else {
            throw qualifiedNode.error(
                "qualified_min_total \(qualified.plain) is below basically_qualified_min_total \(basically.plain)")
        }
        return WorkerRules(
            districtResultLabel: try fields.optional("district_result_label")?.string() ?? "district result",
            districtResultWeight: weight, districtResultRange: low...high, excellent: excellent,
            excellentMinimum: try excellentFields.required("min_total").decimal(), qualifiedMinimum: qualified,
            basicallyQualifiedMinimum: basically)
    }
}

// MARK: - Writing

extension CatalogFile {
    /// The catalog as YAML that ``parse(_:)`` reads back to an equal catalog.
    public static func render(_ catalog: Catalog) -> String {
        var out = """
            # Kaoping catalog: every number and policy of one campaign's assessment method.
            # Edit a copy, then check it with `kaoping catalog check FILE`; use it with `--catalog FILE`.
            # Decimals are written as strings with at most 2 decimals, such as "13.5".
            campaign: \(quoted(catalog.campaign))
            title: \(quoted(catalog.title))

            # Residential committees (居民区).
            districts:

            """
        for district in catalog.districts {
            out += "  - {id: \(quoted(district.id)), name: \(quoted(district.name))}\n"
        }
        out += "\n# Departments and vendors that submit; a district's head is `leader:<district>`.\nsubmitters:\n"
        for submitter in catalog.submitters {
            out += "  - {id: \(quoted(submitter.id)), name: \(quoted(submitter.name))}\n"
        }
        out += "\n# Who may reopen an accepted submission.\noperators:\n"
        for submitter in catalog.operators {
            out += "  - {id: \(quoted(submitter.id)), name: \(quoted(submitter.name))}\n"
        }
        if !catalog.findingsForAny.isEmpty {
            out += "\n# Submitters that may raise a finding about any indicator (the others: only about what they "
                + "score).\nfindings_for_any: [\(catalog.findingsForAny.map(quoted).joined(separator: ", "))]\n"
        }
        out += """

            # scope: district (one value per district), hotline (monthly rates, scored by rank),
            #        worker (one value per community worker, weighted into the worker total).
            # submitter: a submitter id above, or `leader` for the head of the district concerned.
            indicators:

            """
        for indicator in catalog.indicators {
            out += render(indicator)
        }
        let hotline = catalog.hotline
        out += """

            # 12345 hotline: monthly rates per district; each (closed month, metric) in the bottom group costs
            # penalty_per_occurrence. A district is in the bottom group when fewer than bottom_count districts are
            # strictly lower. A rate below its target is flagged only.
            hotline:
              periods: [\(hotline.periods.map(quoted).joined(separator: ", "))]
              metrics:

            """
        for metric in hotline.metrics {
            let (id, label, target) = (quoted(metric.id), quoted(metric.label), quoted(metric.target))
            out += "    - {id: \(id), label: \(label), target: \(target)}\n"
        }
        out += """
              bottom_count: \(hotline.bottomCount)
              penalty_per_occurrence: \(quoted(hotline.penaltyPerOccurrence))
              maximum_rate: \(quoted(hotline.maximumRate))

            # District grades: excellent when fewer than the excellent quota are strictly higher; ordinary when at
            # most the ordinary quota (itself included) are lower or equal; otherwise good.
            # Quota = rounding(n × percent / 100).
            district_grades:
              excellent: \(render(catalog.districtGrades.excellent))
              ordinary: \(render(catalog.districtGrades.ordinary))

            # Worker total = Σ weight × component + district_result_weight × district total clamped to the range.
            workers:

            """
        let workers = catalog.workerRules
        let excellent = render(workers.excellent).dropLast()
        let range = workers.districtResultRange
        out += """
              district_result_label: \(quoted(workers.districtResultLabel))
              district_result_weight: \(quoted(workers.districtResultWeight))
              district_result_range: {min: \(quoted(range.lowerBound)), max: \(quoted(range.upperBound))}
              excellent: \(excellent), min_total: \(quoted(workers.excellentMinimum))}
              qualified_min_total: \(quoted(workers.qualifiedMinimum))
              basically_qualified_min_total: \(quoted(workers.basicallyQualifiedMinimum))

            """
        return out
    }

    private static func render(_ indicator: Indicator) -> String {
        var out = """
              - id: \(quoted(indicator.id))
                label: \(quoted(indicator.label))
                short_label: \(quoted(indicator.shortLabel))
                category: \(quoted(indicator.category))
                scope: \(indicator.scope.rawValue)
                max: \(quoted(indicator.max))
                submitter: \(quoted(indicator.submitter.description))

            """
        if indicator.scope == .worker {
            out += "    weight: \(quoted(indicator.weight))\n"
        } else {
            out += "    effect: \(indicator.effect.rawValue)\n"
        }
        let evidence = indicator.evidence
        var rules: [String] = []
        if let respondents = evidence.respondents {
            rules.append("respondents: {min: \(respondents.lowerBound), max: \(respondents.upperBound)}")
        }
        if let share = evidence.minimumKeyShare { rules.append("min_key_share: \(quoted(share.description))") }
        if let least = evidence.minimumParticipants { rules.append("min_participants: \(least)") }
        if evidence.noteRequiredWhenPositive { rules.append("note_required_when_positive: true") }
        if !rules.isEmpty {
            out += "    evidence:\n" + rules.map { "      \($0)\n" }.joined()
        }
        return out
    }

    private static func render(_ quota: Quota) -> String {
        "{percent: \(quoted(quota.percent)), rounding: \(quota.rounding.rawValue)}"
    }

    private static func quoted(_ value: ExactDecimal) -> String { quoted(value.plain) }

    /// A YAML double-quoted scalar.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
