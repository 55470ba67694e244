/// A submission the ledger accepted, with the value it contributes.
public struct AcceptedSubmission: Hashable, Sendable {
    public let submission: Submission
    public let value: SubmittedValue
    /// 1, 2, 3… in order of acceptance across the whole ledger.
    public let position: Int

    public init(submission: Submission, value: SubmittedValue, position: Int) {
        self.submission = submission
        self.value = value
        self.position = position
    }
}

/// One submission per key (RULES.md §6): the state machine every part of Kaoping uses.
///
/// The ledger checks a submission against the catalog and the roster, then decides accepted, duplicate or
/// conflict. A change after acceptance happens only through ``reopen(_:)``, which keeps the voided submission.
public struct Ledger: Sendable {
    /// What became of a submission.
    public enum Outcome: Hashable, Sendable {
        /// First valid submission for its key.
        case accepted(AcceptedSubmission)
        /// Same key and content as the accepted one, which is returned and stands unchanged.
        case duplicate(of: AcceptedSubmission)
        case rejected(Rejection)
    }

    /// What became of a reopen.
    public enum ReopenOutcome: Hashable, Sendable {
        /// The accepted submission was voided; the key is open again.
        case reopened(voided: AcceptedSubmission)
        case rejected(Rejection)
    }

    /// A submission voided by a reopen, kept for the record.
    public struct Voided: Hashable, Sendable {
        public let submission: AcceptedSubmission
        public let reopen: Reopen
    }

    public let catalog: Catalog
    public let roster: Roster
    private var current: [SubmissionKey: AcceptedSubmission] = [:]
    /// Voided submissions, oldest first.
    public private(set) var voided: [Voided] = []
    /// The position given to the last accepted submission.
    public private(set) var lastPosition = 0

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        // Room for every expected cell from the start: growing a city's table (132 000 keys of five strings) means
        // hashing every key again, tens of milliseconds in which no batch is decided.
        current.reserveCapacity(catalog.expectedCellCount(roster: roster))
    }

    /// A ledger rebuilt from durable storage: `standing` are the accepted submissions not voided, with the
    /// positions they were given; `lastPosition` is the highest position ever given (voided ones included).
    public init(catalog: Catalog, roster: Roster, restoring standing: [AcceptedSubmission], lastPosition: Int) {
        self.init(catalog: catalog, roster: roster)
        for entry in standing { current[entry.submission.key] = entry }
        self.lastPosition = max(lastPosition, standing.map(\.position).max() ?? 0)
    }

    /// The accepted submission that stands for `key`, if any.
    public func accepted(for key: SubmissionKey) -> AcceptedSubmission? { current[key] }

    /// Every submission that stands, in no particular order.
    public var accepted: Dictionary<SubmissionKey, AcceptedSubmission>.Values { current.values }

    /// Checks and records `submission`.
    public mutating func submit(_ submission: Submission) -> Outcome {
        let value: SubmittedValue
        switch catalog.validate(submission, roster: roster) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let parsed): value = parsed
        }
        if let standing = current[submission.key] {
            if standing.submission.hasSameContent(as: submission) {
                return .duplicate(of: standing)
            }
            return .rejected(
                Rejection(
                    .conflict,
                    "\(submission.key) was already accepted with different content (submission "
                        + "\(standing.submission.id)); ask the operator to reopen it if it must change"))
        }
        lastPosition += 1
        let entry = AcceptedSubmission(submission: submission, value: value, position: lastPosition)
        current[submission.key] = entry
        return .accepted(entry)
    }

    /// Voids the accepted submission of a key, so that the next valid submission for it is accepted.
    public mutating func reopen(_ reopen: Reopen) -> ReopenOutcome {
        if let rejection = catalog.validate(reopen, roster: roster) {
            return .rejected(rejection)
        }
        guard let standing = current.removeValue(forKey: reopen.key) else {
            return .rejected(.invalid("\(reopen.key) has no accepted submission to reopen; nothing to correct"))
        }
        voided.append(Voided(submission: standing, reopen: reopen))
        return .reopened(voided: standing)
    }
}
