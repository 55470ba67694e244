/// A district's grade (等第, RULES.md §4).
public enum DistrictGrade: String, CaseIterable, Sendable {
    case excellent
    case good
    case ordinary

    /// The document's word: 优秀, 良好, 一般.
    public var label: String {
        switch self {
        case .excellent: return "优秀"
        case .good: return "良好"
        case .ordinary: return "一般"
        }
    }
}

/// A community worker's grade (RULES.md §5).
public enum WorkerGrade: String, CaseIterable, Sendable {
    case excellent
    case qualified
    case basicallyQualified = "basically_qualified"
    case unqualified

    /// The document's word: 优秀, 合格, 基本合格, 不合格.
    public var label: String {
        switch self {
        case .excellent: return "优秀"
        case .qualified: return "合格"
        case .basicallyQualified: return "基本合格"
        case .unqualified: return "不合格"
        }
    }
}

/// Grades by total for one population at one moment: a total at or above a step's `from` takes its grade, the first
/// step that applies winning; a total below every step takes `otherwise`.
///
/// Quota grades depend on the whole population, so the rules turn the population into these few thresholds
/// (``DistrictGradeRules/boundaries(in:)``, ``WorkerRules/boundaries(in:)``); every grade, here and on the live feed,
/// is then read off them.
public struct GradeBoundaries<Grade: Hashable & Sendable>: Hashable, Sendable {
    public struct Step: Hashable, Sendable {
        public let grade: Grade
        public let from: ExactDecimal

        public init(grade: Grade, from: ExactDecimal) {
            self.grade = grade
            self.from = from
        }
    }

    /// In order of precedence.
    public let steps: [Step]
    public let otherwise: Grade

    public init(steps: [Step], otherwise: Grade) {
        self.steps = steps
        self.otherwise = otherwise
    }

    /// Inlinable: subscribers grade every row of a city's ranking at each update, from other modules.
    @inlinable
    public func grade(of total: ExactDecimal) -> Grade {
        for step in steps where total >= step.from { return step.grade }
        return otherwise
    }
}

extension DistrictGradeRules {
    /// The boundaries among `population` (every district of the catalog, with or without data).
    ///
    /// Excellent when fewer than the excellent quota are strictly higher; else ordinary when at most the ordinary
    /// quota (itself included) are lower or equal; else good. Ties at either boundary take the better grade. As
    /// thresholds: excellent from the quota-th highest total; good from the total just above the ordinary quota.
    func boundaries(in population: OrderStatistics) -> GradeBoundaries<DistrictGrade> {
        let count = population.count
        var steps: [GradeBoundaries<DistrictGrade>.Step] = []
        let excellentCount = excellent.count(of: count)
        if excellentCount > 0, count > 0 {
            steps.append(.init(grade: .excellent, from: population.descending(min(excellentCount, count) - 1)))
        }
        let ordinaryCount = ordinary.count(of: count)
        if ordinaryCount < count {
            steps.append(.init(grade: .good, from: population.ascending(ordinaryCount)))
        }
        return GradeBoundaries(steps: steps, otherwise: .ordinary)
    }
}

extension WorkerRules {
    /// The boundaries among `population` (every worker on the roster, with or without data): excellent by quota and
    /// only from the excellent minimum, then the fixed minimums.
    func boundaries(in population: OrderStatistics) -> GradeBoundaries<WorkerGrade> {
        let count = population.count
        var steps: [GradeBoundaries<WorkerGrade>.Step] = []
        let excellentCount = excellent.count(of: count)
        if excellentCount > 0, count > 0 {
            let quotaFloor = population.descending(min(excellentCount, count) - 1)
            steps.append(.init(grade: .excellent, from: max(excellentMinimum, quotaFloor)))
        }
        steps.append(.init(grade: .qualified, from: qualifiedMinimum))
        steps.append(.init(grade: .basicallyQualified, from: basicallyQualifiedMinimum))
        return GradeBoundaries(steps: steps, otherwise: .unqualified)
    }
}

/// A worker's total is made of weighted components (RULES.md §5): each worker indicator's value times its weight, and
/// the district's result — its total clamped to the catalog's range — times that weight. The scoreboard sums them;
/// the web console shows each.
extension WorkerRules {
    /// The district result's part of a worker's total.
    public func districtResultPoints(districtTotal: ExactDecimal) -> ExactDecimal {
        Self.weighted(districtTotal.clamped(to: districtResultRange), by: districtResultWeight)
    }

    static func weighted(_ value: ExactDecimal, by weight: ExactDecimal) -> ExactDecimal {
        guard let product = value.exactlyMultiplied(by: weight) else {
            preconditionFailure("catalog weight \(weight) × \(value) is not exact; CatalogFile checks weights")
        }
        return product
    }
}

extension Indicator {
    /// A worker indicator's part of a worker's total: its value times its weight.
    public func workerPoints(_ value: ExactDecimal) -> ExactDecimal { WorkerRules.weighted(value, by: weight) }
}
