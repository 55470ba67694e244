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

extension DistrictGradeRules {
    /// The grade of `total` among `population` (every district of the catalog, with or without data).
    ///
    /// Excellent when fewer than the excellent quota are strictly higher; else ordinary when at most the ordinary
    /// quota (itself included) are lower or equal; else good. Ties at either boundary take the better grade.
    func grade(of total: ExactDecimal, in population: SortedValues) -> DistrictGrade {
        if population.countAbove(total) < excellent.count(of: population.count) {
            return .excellent
        }
        if population.countAtOrBelow(total) <= ordinary.count(of: population.count) {
            return .ordinary
        }
        return .good
    }
}

extension WorkerRules {
    /// The grade of `total` among `population` (every worker on the roster, with or without data).
    func grade(of total: ExactDecimal, in population: SortedValues) -> WorkerGrade {
        if total >= excellentMinimum, population.countAbove(total) < excellent.count(of: population.count) {
            return .excellent
        }
        if total >= qualifiedMinimum { return .qualified }
        if total >= basicallyQualifiedMinimum { return .basicallyQualified }
        return .unqualified
    }
}
