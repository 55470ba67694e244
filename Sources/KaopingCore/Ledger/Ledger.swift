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
    /// The standing submissions, in no particular order, and where each key's is. A table of keys to places rather
    /// than to submissions: a hash table keeps a quarter of its slots or more empty, and a city's submissions are
    /// large (a slot of the table is 8 bytes, a submission 200 and its strings).
    private var standing: [AcceptedSubmission] = []
    private var places: [SubmissionKey: Int] = [:]
    /// Voided submissions, oldest first.
    public private(set) var voided: [Voided] = []
    /// The position given to the last accepted submission.
    public private(set) var lastPosition = 0

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        // Room for every expected cell from the start: growing a city's table (132 000 keys of five strings) means
        // hashing every key again, tens of milliseconds in which no batch is decided.
        let cells = catalog.expectedCellCount(roster: roster)
        places.reserveCapacity(cells)
        standing.reserveCapacity(cells)
    }

    /// A ledger rebuilt from durable storage: `entries` are the accepted submissions not voided, with the
    /// positions they were given; `lastPosition` is the highest position ever given (voided ones included).
    public init(catalog: Catalog, roster: Roster, restoring entries: [AcceptedSubmission], lastPosition: Int) {
        self.init(catalog: catalog, roster: roster)
        for entry in entries { place(entry) }
        self.lastPosition = max(lastPosition, entries.map(\.position).max() ?? 0)
    }

    /// The accepted submission that stands for `key`, if any.
    public func accepted(for key: SubmissionKey) -> AcceptedSubmission? { places[key].map { standing[$0] } }

    /// Every submission that stands, in no particular order.
    public var accepted: [AcceptedSubmission] { standing }

    /// Makes `entry` the submission that stands for its key.
    private mutating func place(_ entry: AcceptedSubmission) {
        if let place = places[entry.submission.key] {
            standing[place] = entry
        } else {
            places[entry.submission.key] = standing.count
            standing.append(entry)
        }
    }

    /// Takes away the submission that stands for `key`, if any (the last one takes its place).
    private mutating func remove(_ key: SubmissionKey) -> AcceptedSubmission? {
        guard let place = places.removeValue(forKey: key) else { return nil }
        let removed = standing[place]
        let last = standing.removeLast()
        if place < standing.count {
            standing[place] = last
            places[last.submission.key] = place
        }
        return removed
    }

    /// Checks and records `submission`.
    public mutating func submit(_ submission: Submission) -> Outcome {
        let value: SubmittedValue
        switch catalog.validate(submission, roster: roster) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let parsed): value = parsed
        }
        if let standing = accepted(for: submission.key) {
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
        place(entry)
        return .accepted(entry)
    }

    /// Voids the accepted submission of a key, so that the next valid submission for it is accepted.
    public mutating func reopen(_ reopen: Reopen) -> ReopenOutcome {
        if let rejection = catalog.validate(reopen, roster: roster) {
            return .rejected(rejection)
        }
        guard let standing = remove(reopen.key) else {
            return .rejected(.invalid("\(reopen.key) has no accepted submission to reopen; nothing to correct"))
        }
        voided.append(Voided(submission: standing, reopen: reopen))
        return .reopened(voided: standing)
    }
}
