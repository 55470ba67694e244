/// The ranking of a campaign at one moment: districts and workers with totals, ranks and grades, and how complete
/// the data is. Provisional until ``isFinal``.
public struct Standings: Hashable, Sendable {
    public let campaign: String
    /// Every district of the catalog, by rank then id.
    public let districts: [DistrictStanding]
    /// Every worker of the roster, by rank then id.
    public let workers: [WorkerStanding]
    public let completeness: Completeness
    /// Hotline rates strictly below their targets: shown to the operator, not scored (listed in detailed standings).
    public let hotlineFlags: [HotlineFlag]

    /// True only when every expected cell is filled; until then totals count missing cells as 0.
    public var isFinal: Bool { completeness.isComplete }
}

/// What changed in the standings since the previous update: the rows whose own data or total changed (with their
/// rank and grade now), the owners whose count of missing cells changed, and the grade boundaries by which every
/// row is graded now. Any other row keeps its total; its rank is 1 + the number of rows with a higher total.
public struct StandingsUpdate: Hashable, Sendable {
    public let campaign: String
    /// By id.
    public let districts: [DistrictStanding]
    public let workers: [WorkerStanding]
    /// Owners whose count changed, in catalog order; a count of 0 means the owner owes nothing any more.
    public let owed: [Completeness.Owed]
    public let expected: Int
    public let filled: Int
    public let districtGrades: GradeBoundaries<DistrictGrade>
    public let workerGrades: GradeBoundaries<WorkerGrade>

    /// True only when every expected cell is filled.
    public var isFinal: Bool { filled == expected }
    /// Whether the update changes anything.
    public var isEmpty: Bool { districts.isEmpty && workers.isEmpty && owed.isEmpty }
}

/// A district's place in the ranking.
public struct DistrictStanding: Hashable, Sendable {
    public let district: District
    public internal(set) var total: ExactDecimal
    /// Competition rank by total, descending (1, 2, 2, 4).
    public internal(set) var rank: Int
    public internal(set) var grade: DistrictGrade
    /// The value of each district indicator that is in, by indicator id (hotline once any month is in).
    public let values: [String: ExactDecimal]
    /// Indicator ids not yet in, and `hotline:2023-MM` for each month not yet in, in catalog order.
    public let missing: [String]
    /// (Closed month, metric) pairs in the hotline's bottom group.
    public let hotlineOccurrences: Int
}

/// A community worker's place in the ranking.
public struct WorkerStanding: Hashable, Sendable {
    public let worker: Worker
    /// 0.2 × leader + 0.3 × democratic + 0.5 × clamped district total (as the catalog weighs them), exact.
    public internal(set) var total: ExactDecimal
    public internal(set) var rank: Int
    public internal(set) var grade: WorkerGrade
    /// The submitted components that are in, by indicator id.
    public let values: [String: ExactDecimal]
}

/// A monthly hotline rate strictly below its target.
public struct HotlineFlag: Hashable, Sendable {
    public let district: String
    public let period: String
    public let metric: HotlineRules.Metric
    public let rate: ExactDecimal
}
