/// Everything a campaign's rules depend on: districts, submitters, indicators, the hotline method, quotas and
/// thresholds. The built-in one is ``zhongshan2023``; a deployment may load its own from a file
/// (``CatalogFile``). Nothing outside a catalog hard-wires a number of the method.
public struct Catalog: Hashable, Sendable {
    /// The campaign id that every submission must carry, such as `zhongshan-2023`.
    public let campaign: String
    /// A title for people, such as 2023年度中山街道居民区工作及社区工作者考评.
    public let title: String
    public let districts: [District]
    /// The departments and vendors that submit (district heads are implied by the districts).
    public let submitters: [NamedSubmitter]
    /// The ids that may reopen an accepted submission.
    public let operators: [NamedSubmitter]
    /// In the order of the document; district, hotline and worker indicators alike.
    public let indicators: [Indicator]
    public let hotline: HotlineRules
    public let districtGrades: DistrictGradeRules
    public let workerRules: WorkerRules
    /// The submitters that may raise a finding (§五(二)) about any indicator of any district, such as the assessment
    /// office; every other department raises findings only about the indicators it scores.
    public let findingsForAny: [String]

    private let districtIndex: [String: Int]
    private let indicatorIndex: [String: Int]

    public init(
        campaign: String, title: String, districts: [District], submitters: [NamedSubmitter],
        operators: [NamedSubmitter], indicators: [Indicator], hotline: HotlineRules,
        districtGrades: DistrictGradeRules, workerRules: WorkerRules, findingsForAny: [String] = []
    ) {
        self.campaign = campaign
        self.title = title
        self.districts = districts
        self.submitters = submitters
        self.operators = operators
        self.indicators = indicators
        self.hotline = hotline
        self.districtGrades = districtGrades
        self.workerRules = workerRules
        self.findingsForAny = findingsForAny
        self.districtIndex = Dictionary(
            districts.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.indicatorIndex = Dictionary(
            indicators.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The district with this id, if the catalog has it.
    public func district(_ id: String) -> District? { districtIndex[id].map { districts[$0] } }

    /// The position of a district in ``districts``.
    public func districtPosition(_ id: String) -> Int? { districtIndex[id] }

    /// The indicator with this id, if the catalog has it.
    public func indicator(_ id: String) -> Indicator? { indicatorIndex[id].map { indicators[$0] } }

    public func indicatorPosition(_ id: String) -> Int? { indicatorIndex[id] }

    /// District-scope and hotline indicators, which make up the district total.
    public var districtIndicators: [Indicator] { indicators.filter { $0.scope != .worker } }

    /// Worker-scope indicators, the submitted components of a worker's total.
    public var workerIndicators: [Indicator] { indicators.filter { $0.scope == .worker } }

    /// The hotline indicator, if the catalog scores one.
    public var hotlineIndicator: Indicator? { indicators.first { $0.scope == .hotline } }

    /// Whether `id` is one of the catalog's operators.
    public func isOperator(_ id: String) -> Bool { operators.contains { $0.id == id } }

    /// The prefix of a viewer's id (`viewer:leadership`, `viewer:web`): a key that reads the results — the feed, the
    /// snapshot, the status — and submits nothing.
    public static let viewerPrefix = "viewer:"

    /// Whether `id` may read the results: a viewer or an operator. Results name people and their grades.
    public func mayRead(_ id: String) -> Bool { id.hasPrefix(Self.viewerPrefix) || isOperator(id) }
}

/// A residential committee (居民区).
public struct District: Hashable, Sendable {
    public let id: String
    public let name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// A submitter id with a name for people: `party_office` / 党建办.
public struct NamedSubmitter: Hashable, Sendable {
    public let id: String
    public let name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// The 12345 hotline method (RULES.md §3).
public struct HotlineRules: Hashable, Sendable {
    /// One rate reported monthly, higher is better.
    public struct Metric: Hashable, Sendable {
        public let id: String
        public let label: String
        /// A rate strictly below it is flagged for the operator; it does not change the score.
        public let target: ExactDecimal

        public init(id: String, label: String, target: ExactDecimal) {
            self.id = id
            self.label = label
            self.target = target
        }
    }

    /// The months, such as `2023-01`…`2023-12`.
    public let periods: [String]
    public let metrics: [Metric]
    /// A district is in the bottom group when fewer than this many districts are strictly lower.
    public let bottomCount: Int
    /// Deducted per (month, metric) in the bottom group.
    public let penaltyPerOccurrence: ExactDecimal
    /// The highest rate accepted (percent).
    public let maximumRate: ExactDecimal

    public init(
        periods: [String], metrics: [Metric], bottomCount: Int, penaltyPerOccurrence: ExactDecimal,
        maximumRate: ExactDecimal
    ) {
        self.periods = periods
        self.metrics = metrics
        self.bottomCount = bottomCount
        self.penaltyPerOccurrence = penaltyPerOccurrence
        self.maximumRate = maximumRate
    }
}

/// District grades (RULES.md §4).
public struct DistrictGradeRules: Hashable, Sendable {
    /// Top share graded excellent (ties at the boundary all excellent).
    public let excellent: Quota
    /// Bottom share graded ordinary (a tie across the boundary is good for all).
    public let ordinary: Quota

    public init(excellent: Quota, ordinary: Quota) {
        self.excellent = excellent
        self.ordinary = ordinary
    }
}

/// Worker totals and grades (RULES.md §5).
public struct WorkerRules: Hashable, Sendable {
    /// The name of the derived component, such as 居民区工作考核结果.
    public let districtResultLabel: String
    /// The weight of the worker's district total in the worker total.
    public let districtResultWeight: ExactDecimal
    /// The district total is clamped to this range before weighting.
    public let districtResultRange: ClosedRange<ExactDecimal>
    /// Share of all workers graded excellent.
    public let excellent: Quota
    /// The least total for excellent.
    public let excellentMinimum: ExactDecimal
    /// The least total for qualified.
    public let qualifiedMinimum: ExactDecimal
    /// The least total for basically qualified; below it a worker is unqualified.
    public let basicallyQualifiedMinimum: ExactDecimal

    public init(
        districtResultLabel: String, districtResultWeight: ExactDecimal,
        districtResultRange: ClosedRange<ExactDecimal>, excellent: Quota, excellentMinimum: ExactDecimal,
        qualifiedMinimum: ExactDecimal, basicallyQualifiedMinimum: ExactDecimal
    ) {
        self.districtResultLabel = districtResultLabel
        self.districtResultWeight = districtResultWeight
        self.districtResultRange = districtResultRange
        self.excellent = excellent
        self.excellentMinimum = excellentMinimum
        self.qualifiedMinimum = qualifiedMinimum
        self.basicallyQualifiedMinimum = basicallyQualifiedMinimum
    }
}

extension Catalog {
    /// A submission's value as it is signed, for people to check: its score, or a hotline month's rates by their
    /// names (先行联系率 88.10, …; a rate read from "88.10%" shows as 88.10).
    public func shown(_ submission: Submission) -> String {
        guard !submission.hotline.isEmpty else { return submission.score }
        return hotline.metrics.compactMap { metric in
            submission.hotline[metric.id].map { "\(metric.label) \($0)" }
        }.joined(separator: ", ")
    }
}
