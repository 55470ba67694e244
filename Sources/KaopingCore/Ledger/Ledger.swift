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
    private let cells: CellIndex
    /// The standing submissions, in no particular order, and where each cell's is (``noPlace`` where none stands):
    /// a city's cells are hundreds of thousands, and a table by key took more room than the submissions.
    private var standing: [AcceptedSubmission] = []
    private var places: [Int]
    private static let noPlace = -1
    /// Voided submissions, oldest first.
    public private(set) var voided: [Voided] = []
    /// The position given to the last accepted submission.
    public private(set) var lastPosition = 0

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
        cells = CellIndex(catalog: catalog, roster: roster)
        places = Array(repeating: Self.noPlace, count: cells.count)
        standing.reserveCapacity(cells.count)
    }

    /// Puts back an accepted submission read from durable storage, with the position it was given: how a ledger
    /// is rebuilt, one standing submission at a time. Returns why it was not put back: its key is not a cell of
    /// the campaign (`invalid`), or a submission already stands for it (`conflict` — only one may: the store
    /// was changed behind the ledger's back); the ledger is then unchanged.
    public mutating func restore(_ entry: AcceptedSubmission) -> Rejection? {
        let key = entry.submission.key
        guard let cell = cells.number(of: key) else { return notACell(key) }
        if let place = place(of: cell) {
            return Rejection(
                .conflict,
                "two submissions stand for \(key) (positions \(standing[place].position) and \(entry.position))")
        }
        place(entry, at: cell)
        lastPosition = max(lastPosition, entry.position)
        return nil
    }

    /// Sets the position given last, once a rebuilt ledger holds its standing submissions: `position` is the
    /// highest one ever given, voided submissions included, so that no position is given twice.
    public mutating func restore(lastPosition position: Int) {
        lastPosition = max(lastPosition, position)
    }

    /// The accepted submission that stands for `key`, if any.
    public func accepted(for key: SubmissionKey) -> AcceptedSubmission? {
        cells.number(of: key).flatMap(place(of:)).map { standing[$0] }
    }

    /// Every submission that stands, in no particular order.
    public var accepted: [AcceptedSubmission] { standing }

    private func notACell(_ key: SubmissionKey) -> Rejection {
        .invalid("\(key) is not a cell of campaign \(catalog.campaign)")
    }

    private func place(of cell: Int) -> Int? {
        places[cell] == Self.noPlace ? nil : places[cell]
    }

    /// Makes `entry` the submission that stands in `cell`, its key's.
    private mutating func place(_ entry: AcceptedSubmission, at cell: Int) {
        if let place = place(of: cell) {
            standing[place] = entry
        } else {
            places[cell] = standing.count
            standing.append(entry)
        }
    }

    /// Takes away the submission that stands for `key`, if any (the last one takes its place).
    private mutating func remove(_ key: SubmissionKey) -> AcceptedSubmission? {
        guard let cell = cells.number(of: key), let place = place(of: cell) else { return nil }
        places[cell] = Self.noPlace
        let removed = standing[place]
        let last = standing.removeLast()
        if place < standing.count {
            standing[place] = last
            places[cells.number(of: last.submission.key)!] = place  // it was placed by its cell's number
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
        guard let cell = cells.number(of: submission.key) else { return .rejected(notACell(submission.key)) }
        if let place = place(of: cell) {
            let standing = standing[place]
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
        place(entry, at: cell)
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
