/// One assessed item: what is scored, by whom, within which bounds and with which evidence.
public struct Indicator: Hashable, Sendable {
    /// What an indicator is kept for, which decides the shape of its key (RULES.md §6).
    public enum Scope: String, CaseIterable, Sendable {
        /// One value per district (`worker` and `period` empty).
        case district
        /// Monthly hotline rates per district (`period` set, `worker` empty), scored by rank (RULES.md §3).
        case hotline
        /// One value per community worker (`worker` set, `district` the worker's own).
        case worker
    }

    /// How a district indicator's value enters the district total.
    public enum Effect: String, CaseIterable, Sendable {
        case add
        case subtract
    }

    /// Stable id used on the wire and in files, such as `visits`.
    public let id: String
    /// The document's own wording, such as 日常走访联系居民群众、重点群体情况.
    public let label: String
    /// A short label for tables, such as 走访.
    public let shortLabel: String
    /// The document's category, such as 群众评价.
    public let category: String
    public let scope: Scope
    /// The highest value accepted; for the hotline, the score before deductions.
    public let max: ExactDecimal
    /// Who submits it.
    public let submitter: SubmitterReference
    /// For district and hotline indicators: how the value enters the district total.
    public let effect: Effect
    /// For worker indicators: the weight of the component in the worker total.
    public let weight: ExactDecimal
    /// What must accompany a value.
    public let evidence: Evidence

    public init(
        id: String, label: String, shortLabel: String, category: String, scope: Scope, max: ExactDecimal,
        submitter: SubmitterReference, effect: Effect = .add, weight: ExactDecimal = .zero,
        evidence: Evidence = Evidence()
    ) {
        self.id = id
        self.label = label
        self.shortLabel = shortLabel
        self.category = category
        self.scope = scope
        self.max = max
        self.submitter = submitter
        self.effect = effect
        self.weight = weight
        self.evidence = evidence
    }

    /// The submitter id owed this indicator for `district`.
    public func owner(district: String) -> String {
        switch submitter {
        case .submitter(let id): return id
        case .districtLeader: return SubmitterReference.leaderID(of: district)
        }
    }
}

/// Who may submit an indicator.
public enum SubmitterReference: Hashable, Sendable, CustomStringConvertible {
    /// A named submitter of the catalog, such as `party_office`.
    case submitter(String)
    /// The head of the district the value is for, whose id is `leader:<district>`.
    case districtLeader

    /// The word that stands for ``districtLeader`` in catalog files.
    public static let leaderKeyword = "leader"

    /// The submitter id of a district's head: `leader:D07`.
    public static func leaderID(of district: String) -> String { "\(leaderKeyword):\(district)" }

    /// The district whose head `submitterID` is (`leader:D07` → `D07`); nil for any other submitter.
    public static func leaderDistrict(of submitterID: String) -> String? {
        let prefix = leaderKeyword + ":"
        return submitterID.hasPrefix(prefix) ? String(submitterID.dropFirst(prefix.count)) : nil
    }

    /// Whether `submitterID` may submit for `district`.
    public func admits(_ submitterID: String, district: String) -> Bool {
        switch self {
        case .submitter(let id): return submitterID == id
        case .districtLeader: return submitterID == Self.leaderID(of: district)
        }
    }

    public var description: String {
        switch self {
        case .submitter(let id): return id
        case .districtLeader: return Self.leaderKeyword
        }
    }
}

/// The evidence rules of an indicator (RULES.md §2, §5); each is off when `nil` or `false`.
public struct Evidence: Hashable, Sendable {
    /// Allowed number of surveyed households.
    public var respondents: ClosedRange<Int>?
    /// The least share of respondents from key groups, as a fraction: `key × denominator ≥ respondents × numerator`.
    public var minimumKeyShare: Fraction?
    /// The least number of participants of a review meeting.
    public var minimumParticipants: Int?
    /// Whether a value above 0 needs a non-blank `note` (the reason).
    public var noteRequiredWhenPositive: Bool

    public init(
        respondents: ClosedRange<Int>? = nil, minimumKeyShare: Fraction? = nil, minimumParticipants: Int? = nil,
        noteRequiredWhenPositive: Bool = false
    ) {
        self.respondents = respondents
        self.minimumKeyShare = minimumKeyShare
        self.minimumParticipants = minimumParticipants
        self.noteRequiredWhenPositive = noteRequiredWhenPositive
    }
}

/// A ratio of two whole numbers, such as 1/3.
public struct Fraction: Hashable, Sendable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int

    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public var description: String { "\(numerator)/\(denominator)" }
}
