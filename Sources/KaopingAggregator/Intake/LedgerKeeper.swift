import Foundation
import KaopingCore
import KaopingStore
import KaopingWire
import Logging
import SwiftProtobuf
import Synchronization
import ZeroMQ

/// The only writer: decides every submission and control request against the ledger, commits each batch in one
/// transaction, and only then answers and publishes.
///
/// A batch goes: each request decided into a ``Decision`` (ingest: `LedgerKeeper+Ingest.swift`, authenticated by
/// ``Admission``; control: `LedgerKeeper+Control.swift`), the receipts sealed (``ReceiptSealer``), the store
/// operations committed in one transaction, then the answers sent, status replies built (``StatusReport``) and the
/// ranking's changes published.
actor LedgerKeeper {
    /// The state a batch changes. The keyring and revocations are kept aside before a batch so that a failed commit
    /// leaves them untouched; last-seen times and outcome counts (thousands of submitters in a city: too many to
    /// copy per batch) change only once a batch has committed.
    struct State {
        var ledger: Ledger
        /// The keyring and revocations: who may send what.
        var admission: Admission
        var lastSeen: [String: Timestamp]
        var outcomes: [String: [String: Int]]
        /// Findings, plans and reviews (`LedgerKeeper+Feedback.swift`).
        var feedback: FeedbackState
    }

    /// A change the scoreboard follows once its batch is committed.
    enum ScoreboardChange: Sendable {
        case apply(AcceptedSubmission)
        case void(SubmissionKey)

        func follow(on board: inout Scoreboard) {
            switch self {
            case .apply(let entry): board.apply(entry)
            case .void(let key): board.void(key)
            }
        }
    }

    /// The store cannot be read back after a failed commit: nothing can be decided safely any more.
    struct StoreLost: Error, CustomStringConvertible {
        let error: any Error
        var description: String {
            "cannot read the store back after a failed commit: \(error); stopping (restart once the disk is back: "
                + "the state is rebuilt from the store at start)"
        }
    }

    let catalog: Catalog
    let identity: SigningIdentity
    let store: AggregatorStore
    let keyringPath: String?
    let logger: Logger
    private let clock: any WallClock
    let published: PublishedState
    let replies: ReplySink
    private let sealer: ReceiptSealer
    private var state: State
    private(set) var scoreboard: Scoreboard
    private(set) var recentControlRequests: [String: Timestamp] = [:]
    /// With CURVE: who may connect, kept in step with the keyring and revocations.
    private let transportAccess: TransportAccess?
    /// The keyring as of the last committed batch, for verifying signatures as messages arrive; a message checked
    /// with a key that changed since is verified again when it is decided.
    nonisolated let precheckKeyring: Mutex<Keyring>
    /// The ledger position the scoreboard includes (the ledger runs ahead while a batch is being committed).
    private var scoredPosition: Int
    /// Status replies being built off the keeper.
    nonisolated let statusBuilds: BuildSlots
    /// The last snapshot served, while the sequence stays the same.
    private var cachedSnapshot: (sequence: UInt64, body: Data)?
    /// Whether the scoreboard already follows a batch whose commit is still under way (it is worked out while the
    /// writer commits); snapshots wait in `waitingForScoreboard` until the batch is committed and published.
    private var scoreboardAhead = false
    /// The work waiting for the keeper, for the status reply's figures.
    let queue: WorkQueue?
    /// The last store commit: how long it took and how much its batch held; and the commits since the start.
    private(set) var lastCommit: (duration: Duration, batch: Int) = (.zero, 0)
    private(set) var commits: UInt64 = 0
    private var waitingForScoreboard: [CheckedContinuation<Void, Never>] = []
    /// The feedback counts the feed carries now.
    private(set) var publishedFeedback = Kaoping_V1_FeedbackCounts()

    init(
        catalog: Catalog, roster: Roster, identity: SigningIdentity, store: AggregatorStore, keyring: Keyring,
        keyringPath: String?, published: PublishedState, replies: ReplySink, logger: Logger,
        transportAccess: TransportAccess? = nil, statusBuildLimit: Int = 2, clock: any WallClock,
        queue: WorkQueue? = nil
    ) throws {
        self.transportAccess = transportAccess
        self.queue = queue
        statusBuilds = BuildSlots(limit: statusBuildLimit)
        precheckKeyring = Mutex(keyring)
        self.catalog = catalog
        self.identity = identity
        self.store = store
        self.keyringPath = keyringPath
        self.published = published
        self.replies = replies
        self.logger = logger
        self.clock = clock
        sealer = ReceiptSealer(identity: identity, campaign: catalog.campaign)
        let (ledger, loaded) = try Self.restoredLedger(from: store, catalog: catalog, roster: roster, logger: logger)
        let admission = Admission(
            keyring: keyring, revoked: loaded.revoked.mapValues(\.reason), campaign: catalog.campaign,
            connectionsAuthenticated: transportAccess != nil)
        state = State(
            ledger: ledger, admission: admission, lastSeen: loaded.lastSeen, outcomes: loaded.outcomes,
            feedback: try Self.restoredFeedback(from: store, catalog: catalog, roster: roster))
        publishedFeedback = Kaoping_V1_FeedbackCounts(
            state.feedback.book.counts(on: CalendarDay(of: clock.now)), catalog: catalog,
            today: CalendarDay(of: clock.now))
        scoreboard = Self.committedScoreboard(of: ledger)
        scoredPosition = ledger.lastPosition
        Self.refresh(transportAccess, from: state, catalog: catalog)
        logger.info(
            "state rebuilt from the store",
            metadata: ["ledger.standing": "\(ledger.accepted.count)", "ledger.position": "\(ledger.lastPosition)"])
    }

    /// The ledger of what the store holds (every standing submission at its position), and the rest of the state
    /// the store keeps.
    private static func restoredLedger(
        from store: AggregatorStore, catalog: Catalog, roster: Roster, logger: Logger
    ) throws -> (Ledger, LoadedState) {
        var ledger = Ledger(catalog: catalog, roster: roster)
        let loaded = try store.load { stored in
            guard let entry = restore(stored, catalog: catalog, roster: roster) else {
                logger.error(
                    "stored submission no longer fits the catalog; it is kept in the store but not scored",
                    metadata: ["submission.id": "\(stored.submissionID)", "submission.key": "\(stored.key)"])
                return
            }
            if let refusal = ledger.restore(entry) {
                throw StoreError(
                    "\(refusal.reason); only one may. The store was changed outside the aggregator: restore it from "
                        + "a backup, or void one of them by hand, then run `kaoping audit verify`")
            }
        }
        ledger.restore(lastPosition: loaded.lastPosition)
        return (ledger, loaded)
    }

    private static func restore(_ stored: StoredSubmission, catalog: Catalog, roster: Roster) -> AcceptedSubmission? {
        guard let envelope = try? SignedEnvelope.decode(stored.envelope),
            let wire = try? SignedEnvelope.decodeSubmission(envelope.payload)
        else { return nil }
        var submission = Submission(wire: wire)
        submission.submitter = stored.submitter
        guard case .success(let value) = catalog.validate(submission, roster: roster) else { return nil }
        return AcceptedSubmission(submission: submission, value: value, position: stored.position)
    }

    /// Admits the CURVE keys of the keyring entries that are not revoked; those of viewers and operators may read.
    private static func refresh(_ access: TransportAccess?, from state: State, catalog: Catalog) {
        guard let access else { return }
        access.update(
            state.admission.keyring.entries.values.compactMap { entry in
                guard state.admission.revoked[entry.keyID.rawValue] == nil, let transportKey = entry.transportKey
                else { return nil }
                return (transportKey, entry.submitter, catalog.mayRead(entry.submitter) ? entry.keyID.rawValue : nil)
            })
    }

    /// The serialized `Snapshot` for a late joiner: the whole ranking and the sequence of the last update it
    /// includes. While a batch commits, the scoreboard is ahead of the sequence; a snapshot asked then waits until
    /// the batch is published, so the pair taken here is consistent. The ranking of a city takes tens of
    /// milliseconds: it is built off the actor from a copy of the scoreboard (batches go on meanwhile) and kept until
    /// the next update.
    func snapshot() async -> Data {
        while scoreboardAhead { await withCheckedContinuation { waitingForScoreboard.append($0) } }
        let sequence = published.sequence
        if let cachedSnapshot, cachedSnapshot.sequence == sequence { return cachedSnapshot.body }
        let (board, position, epoch, at) = (scoreboard, scoredPosition, published.epoch, clock.now)
        let feedback = publishedFeedback
        let body = await Task.detached {
            var snapshot = Kaoping_V1_Snapshot()
            snapshot.sequence = sequence
            snapshot.epoch = epoch
            snapshot.ranking = Kaoping_V1_Ranking(board.standings(), ledgerPosition: position, updatedAt: at)
            snapshot.ranking.feedback = feedback
            // Serializing a plain message cannot fail.
            return try! snapshot.serializedBytes() as Data
        }.value
        if cachedSnapshot.map({ sequence > $0.sequence }) ?? true { cachedSnapshot = (sequence, body) }
        return body
    }

    // MARK: - Batches

    /// Decides, commits, then answers and publishes one batch. A failed commit answers nothing and changes
    /// nothing: senders retry, and their retries are decided afresh. Throws only when the store cannot be read back
    /// after a failed commit (``StoreLost``): the daemon must stop.
    func process(_ work: [Work]) async throws(StoreLost) {
        // However the batch ends, snapshots waiting for the scoreboard go on once it is the committed one again.
        defer { if scoreboardAhead { scoreboardCaughtUp() } }
        let at = clock.now
        // The ledger is changed in place (copying a city's ledger per batch would cost more than the batch); the
        // small parts are kept aside, and a failed commit rebuilds the ledger from the store.
        let kept = state.admission
        var batch = BatchDecisions(batch: work.count)
        for item in work {
            switch item {
            case .ingest(let request, let checked):
                ingest(request, checked: checked, at: at, state: &state, batch: &batch)
            case .control(let request, let reload):
                control(request, reload: reload, at: at, state: &state, batch: &batch)
            }
        }
        let receipts = await sealer.seal(&batch.decisions)
        let operations = batch.takeStoreOperations()
        // While the writer commits, the scoreboard follows the batch (in place: copying a city's scoreboard per
        // batch costs more than the overlap gains), unless a status request of the batch must see it as it was.
        // Until the batch is published, snapshots wait; a failed commit rebuilds it with the ledger.
        var update: StandingsUpdate?
        if !operations.isEmpty {
            let started = ContinuousClock.now
            async let committing: Void = store.commit(operations)
            if !batch.hasStatusRequests, !batch.changes.isEmpty {
                scoreboardAhead = true
                update = follow(batch.changes)
            }
            do {
                try await committing
            } catch {
                logger.error(
                    "commit failed; no receipt sent, senders will retry",
                    metadata: ["batch.size": "\(work.count)", "error": "\(error)"])
                state.admission = kept
                do {
                    state.ledger = try Self.restoredLedger(
                        from: store, catalog: catalog, roster: state.ledger.roster, logger: logger
                    ).0
                    state.feedback = try Self.restoredFeedback(
                        from: store, catalog: catalog, roster: state.ledger.roster)
                } catch {
                    throw StoreLost(error: error)
                }
                if scoreboardAhead { scoreboard = Self.committedScoreboard(of: state.ledger) }
                return
            }
            lastCommit = (ContinuousClock.now - started, work.count)
            commits += 1
        }
        for (submitter, at) in batch.seen { state.lastSeen[submitter] = at }
        for (submitter, status) in batch.outcomes { state.outcomes[submitter, default: [:]][status, default: 0] += 1 }
        if batch.controlReplies > 0 {
            Self.refresh(transportAccess, from: state, catalog: catalog)
            precheckKeyring.withLock { $0 = state.admission.keyring }
        }
        if !batch.controlRequestIDs.isEmpty {
            recentControlRequests = recentControlRequests.filter { at - $0.value <= Self.controlWindow * 2 }
            for id in batch.controlRequestIDs { recentControlRequests[id] = at }
        }
        logger.debug(
            "batch committed", metadata: [
                "batch.size": "\(work.count)", "batch.accepted": "\(batch.acceptedCount)",
                "batch.replies": "\(receipts.count + batch.controlReplies)",
            ])
        replies.ingest(receipts)
        if batch.controlReplies > 0 || batch.hasStatusRequests || batch.replies > 0 {
            for index in batch.decisions.indices {
                switch batch.decisions[index].answer {
                case .receipt: continue
                case .reply(let body): replies.ingest([batch.decisions[index].request.reply(body)])
                case .control(let body): replies.control(batch.decisions[index].request.reply(body))
                case .status(let status): answer(status, to: batch.decisions[index].request, batch: batch.changes)
                }
            }
        }
        let feedback = batch.feedbackChanged ? changedFeedbackCounts(at: at) : nil
        guard let update = update ?? follow(batch.changes) else {
            if let feedback { publish(feedback, at: at) }
            return
        }
        scoredPosition = state.ledger.lastPosition
        if !update.isEmpty || feedback != nil {
            published.publish(update, ledgerPosition: scoredPosition, updatedAt: at, feedback: feedback)
            if let feedback { publishedFeedback = feedback }
        }
    }

    /// The feedback counts now, when they differ from those the feed carries (a step changed them, or a day passed
    /// and findings fell overdue).
    private func changedFeedbackCounts(at: Timestamp) -> Kaoping_V1_FeedbackCounts? {
        let today = CalendarDay(of: at)
        let counts = Kaoping_V1_FeedbackCounts(state.feedback.book.counts(on: today), catalog: catalog, today: today)
        return counts == publishedFeedback ? nil : counts
    }

    /// Publishes `counts` alone: an update that changes no row.
    private func publish(_ counts: Kaoping_V1_FeedbackCounts, at: Timestamp) {
        guard !scoreboardAhead else { return }
        published.publish(scoreboard.update(), ledgerPosition: scoredPosition, updatedAt: at, feedback: counts)
        publishedFeedback = counts
    }

    /// Publishes the feedback counts when the day changed them (findings fell overdue); called every minute.
    func publishFeedbackCountsIfChanged() {
        let at = clock.now
        if let counts = changedFeedbackCounts(at: at) { publish(counts, at: at) }
    }

    /// The scoreboard of what `ledger` holds, taken as published: snapshots show it, and updates start from it.
    private static func committedScoreboard(of ledger: Ledger) -> Scoreboard {
        var board = Scoreboard(ledger: ledger)
        _ = board.update()
        return board
    }

    /// Has the scoreboard follow `changes` and returns what changed of it; nil without changes. Only what changed
    /// goes out: O(k log n) for k changes among n districts, whatever the size of the city.
    private func follow(_ changes: [ScoreboardChange]) -> StandingsUpdate? {
        guard !changes.isEmpty else { return nil }
        for change in changes { change.follow(on: &scoreboard) }
        return scoreboard.update()
    }

    /// The scoreboard is the committed one again: the snapshots waiting for it go on.
    private func scoreboardCaughtUp() {
        scoreboardAhead = false
        let waiting = waitingForScoreboard
        waitingForScoreboard.removeAll()
        for continuation in waiting { continuation.resume() }
    }
}
