/// One score message from a submitter, as decoded from JSON or protobuf, before any rule is checked.
///
/// Decimal fields keep the text as sent, so that the rules can say exactly what was wrong with it. Absent fields
/// are empty strings and zeros.
public struct Submission: Hashable, Sendable {
    /// Chosen by the sender, unique per message; a retry reuses it.
    public var id: String
    /// The submitter the signature proved, such as `party_office` or `leader:D07`.
    public var submitter: String
    public var campaign: String
    public var indicator: String
    public var district: String
    /// For worker indicators: the worker id; empty otherwise.
    public var worker: String
    /// For the hotline: the month, such as `2023-03`; empty otherwise.
    public var period: String
    /// The value as a decimal string.
    public var score: String
    public var respondents: Int
    public var keyRespondents: Int
    public var participants: Int
    public var note: String
    /// For the hotline: each metric's rate as a decimal string, by metric id.
    public var hotline: [String: String]

    public init(
        id: String, submitter: String, campaign: String, indicator: String, district: String, worker: String = "",
        period: String = "", score: String = "", respondents: Int = 0, keyRespondents: Int = 0,
        participants: Int = 0, note: String = "", hotline: [String: String] = [:]
    ) {
        self.id = id
        self.submitter = submitter
        self.campaign = campaign
        self.indicator = indicator
        self.district = district
        self.worker = worker
        self.period = period
        self.score = score
        self.respondents = respondents
        self.keyRespondents = keyRespondents
        self.participants = participants
        self.note = note
        self.hotline = hotline
    }

    /// The ledger key: one accepted submission per key.
    public var key: SubmissionKey {
        SubmissionKey(campaign: campaign, indicator: indicator, district: district, worker: worker, period: period)
    }

    /// Whether `other` says the same thing: every field but ``id`` equal, decimals compared by value
    /// (RULES.md §6).
    public func hasSameContent(as other: Submission) -> Bool {
        guard submitter == other.submitter, key == other.key, respondents == other.respondents,
            keyRespondents == other.keyRespondents, participants == other.participants, note == other.note,
            Self.sameDecimal(score, other.score)
        else { return false }
        let metrics = Set(hotline.keys).union(other.hotline.keys)
        return metrics.allSatisfy { Self.sameDecimal(hotline[$0] ?? "", other.hotline[$0] ?? "") }
    }

    private static func sameDecimal(_ lhs: String, _ rhs: String) -> Bool {
        if lhs == rhs { return true }
        let maxDigits = ExactDecimal.fractionDigits
        guard let left = try? ExactDecimal.parse(lhs, maxFractionDigits: maxDigits),
            let right = try? ExactDecimal.parse(rhs, maxFractionDigits: maxDigits)
        else { return false }
        return left == right
    }
}

/// What a submission is about; the ledger keeps at most one accepted submission per key (RULES.md §6).
public struct SubmissionKey: Hashable, Sendable, CustomStringConvertible {
    public var campaign: String
    public var indicator: String
    public var district: String
    public var worker: String
    public var period: String

    public init(campaign: String, indicator: String, district: String, worker: String = "", period: String = "") {
        self.campaign = campaign
        self.indicator = indicator
        self.district = district
        self.worker = worker
        self.period = period
    }

    /// `visits/D01`, `hotline/D01/2023-03`, `worker_leader_review/D01/W0101`.
    public var description: String {
        // Built in place: the aggregator writes one per accepted submission into its audit log.
        var text = ""
        text.reserveCapacity(indicator.utf8.count + district.utf8.count + worker.utf8.count + period.utf8.count + 3)
        for part in [indicator, district, worker, period] where !part.isEmpty {
            if !text.isEmpty { text += "/" }
            text += part
        }
        return text
    }
}

/// An operator's request to void the accepted submission of a key so that it can be submitted again.
public struct Reopen: Hashable, Sendable {
    public var key: SubmissionKey
    /// The operator id that asks.
    public var requestedBy: String
    /// Why; must not be blank.
    public var reason: String

    public init(key: SubmissionKey, requestedBy: String, reason: String) {
        self.key = key
        self.requestedBy = requestedBy
        self.reason = reason
    }
}
