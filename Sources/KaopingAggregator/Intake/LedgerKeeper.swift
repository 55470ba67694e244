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
/// Checks run in this order (docs/protocol.md): size and frames (by the caller), envelope decoding, protocol
/// version and type, key id (unknown), signature, key revoked, campaign, payload decoding, signer = submitter, then
/// the ledger of KaopingCore (RULES.md §6).
actor LedgerKeeper {
    /// The state a batch changes. The keyring and revocations are kept aside before a batch so that a failed commit
    /// leaves them untouched; last-seen times and outcome counts (thousands of submitters in a city: too many to
    /// copy per batch) change only once a batch has committed.
    struct State {
        var ledger: Ledger
        var keyring: Keyring
        var revoked: [String: Revocation]
        var lastSeen: [String: Int64]
        var outcomes: [String: [String: Int]]
    }

    /// A store operation, or an insert whose receipt is sealed with the rest of the batch.
    enum PendingOperation {
        case ready(StoreOperation)
        case insert(StoredSubmission, receipt: Int)
    }

    /// A change the scoreboard follows once its batch is committed.
    enum ScoreboardChange: Sendable {
        case apply(AcceptedSubmission)
        case void(SubmissionKey)
    }

    private static func follow(_ change: ScoreboardChange, on board: inout Scoreboard) {
        switch change {
        case .apply(let entry): board.apply(entry)
        case .void(let key): board.void(key)
        }
    }

    /// What a batch produced, to act on after the commit.
    private struct Effects {
        var operations: [PendingOperation] = []
        /// Receipts decided in this batch, sealed together (in parallel) once the batch is decided.
        var unsealed: [Kaoping_V1_Receipt] = []
        /// Duplicates of a submission accepted earlier in the same batch: (receipt, the original's receipt).
        var embeddedOriginals: [(receipt: Int, original: Int)] = []
        var ingestReplies: [(RoutedRequest, Int)] = []
        var controlReplies: [(RoutedRequest, Data)] = []
        /// Status requests, answered once the batch is committed from the state they saw (built off the keeper).
        var statusRequests: [(RoutedRequest, StatusRequest)] = []
        /// What the scoreboard must follow, in the order the ledger decided it (an acceptance and a reopen of the
        /// same key may share a batch).
        var changes: [ScoreboardChange] = []
        var acceptedCount = 0
        /// The receipt index of each submission accepted in this batch, by position (a duplicate may refer to one).
        var receipts: [Int: Int] = [:]
        /// Control request ids used in this batch; remembered only once the batch is committed.
        var controlRequestIDs: [String] = []
        /// Signs of life and outcomes (submitter, status name) of this batch, counted once it is committed.
        var seen: [String: Int64] = [:]
        var outcomes: [(submitter: String, status: String)] = []

        /// Room for a batch of `count` submissions, each accepted (two operations: its row and its audit entry), so
        /// that none of these grows while the batch is decided.
        init(batch count: Int) {
            operations.reserveCapacity(2 * count)
            unsealed.reserveCapacity(count)
            ingestReplies.reserveCapacity(count)
            changes.reserveCapacity(count)
            receipts.reserveCapacity(count)
            outcomes.reserveCapacity(count)
        }
    }

    let catalog: Catalog
    let identity: SigningIdentity
    private let store: AggregatorStore
    private let keyringPath: String?
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let published: PublishedState
    private let replies: ReplySink
    private var state: State
    private var scoreboard: Scoreboard
    private var recentControlRequests: [String: Int64] = [:]
    /// With CURVE: who may connect, kept in step with the keyring and revocations.
    private let transportAccess: TransportAccess?
    /// The keyring as of the last committed batch, for verifying signatures as messages arrive; a message checked
    /// with a key that changed since is verified again when it is decided.
    private nonisolated let precheckKeyring: Mutex<Keyring>
    /// The ledger position the scoreboard includes (the ledger runs ahead while a batch is being committed).
    private var scoredPosition: Int
    /// Status replies being built off the keeper.
    private nonisolated let statusBuilds: BuildSlots
    /// The last snapshot served, while the sequence stays the same.
    private var cachedSnapshot: (sequence: UInt64, body: Data)?
    /// Whether the scoreboard already follows a batch whose commit is still under way (it is worked out while the
    /// writer commits); snapshots wait in `waitingForScoreboard` until the batch is committed and published.
    private var scoreboardAhead = false
    private var waitingForScoreboard: [CheckedContinuation<Void, Never>] = []

    init(
        catalog: Catalog, roster: Roster, identity: SigningIdentity, store: AggregatorStore, keyring: Keyring,
        keyringPath: String?, published: PublishedState, replies: ReplySink, logger: Logger,
        transportAccess: TransportAccess? = nil, statusBuildLimit: Int = 2, now: @escaping @Sendable () -> Int64
    ) throws {
        self.transportAccess = transportAccess
        statusBuilds = BuildSlots(limit: statusBuildLimit)
        precheckKeyring = Mutex(keyring)
        self.catalog = catalog
        self.identity = identity
        self.store = store
        self.keyringPath = keyringPath
        self.published = published
        self.replies = replies
        self.logger = logger
        self.now = now
        let (ledger, loaded) = try Self.restoredLedger(from: store, catalog: catalog, roster: roster, logger: logger)
        state = State(
            ledger: ledger, keyring: keyring, revoked: loaded.revoked, lastSeen: loaded.lastSeen,
            outcomes: loaded.outcomes)
        scoreboard = Self.committedScoreboard(of: ledger)
        scoredPosition = ledger.lastPosition
        Self.refresh(transportAccess, from: state)
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

    /// Admits the CURVE keys of the keyring entries that are not revoked.
    private static func refresh(_ access: TransportAccess?, from state: State) {
        guard let access else { return }
        var keys: [Data: String] = [:]
        for entry in state.keyring.entries.values where state.revoked[entry.keyID.rawValue] == nil {
            if let transportKey = entry.transportKey { keys[transportKey] = entry.submitter }
        }
        access.update(keys)
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
        let (board, position, epoch, at) = (scoreboard, scoredPosition, published.epoch, now())
        let body = await Task.detached {
            var snapshot = Kaoping_V1_Snapshot()
            snapshot.sequence = sequence
            snapshot.epoch = epoch
            snapshot.ranking = Kaoping_V1_Ranking(board.standings(), ledgerPosition: position, updatedAt: at)
            // Serializing a plain message cannot fail.
            return try! snapshot.serializedBytes() as Data
        }.value
        if cachedSnapshot.map({ sequence > $0.sequence }) ?? true { cachedSnapshot = (sequence, body) }
        return body
    }

    // MARK: - Batches

    /// Decides, commits, then answers and publishes one batch. A failed commit answers nothing and changes
    /// nothing: senders retry, and their retries are decided afresh.
    func process(_ batch: [Work]) async {
        // However the batch ends, snapshots waiting for the scoreboard go on once it is the committed one again.
        defer { if scoreboardAhead { scoreboardCaughtUp() } }
        let at = now()
        // The ledger is changed in place (copying a city's ledger per batch would cost more than the batch); the
        // small parts are kept aside, and a failed commit rebuilds the ledger from the store.
        let kept = (state.keyring, state.revoked)
        var effects = Effects(batch: batch.count)
        for work in batch {
            switch work {
            case .ingest(let request, let checked):
                ingest(request, checked: checked, at: at, state: &state, effects: &effects)
            case .control(let request):
                control(request, at: at, state: &state, effects: &effects)
            }
        }
        let sealed = await seal(effects)
        let operations = Self.storeOperations(taking: &effects.operations, receipts: sealed, seen: effects.seen)
        // While the writer commits, the scoreboard follows the batch (in place: copying a city's scoreboard per
        // batch costs more than the overlap gains), unless a status request of the batch must see it as it was.
        // Until the batch is published, snapshots wait; a failed commit rebuilds it with the ledger.
        var update: StandingsUpdate?
        if !operations.isEmpty {
            async let committing: Void = store.commit(operations)
            if effects.statusRequests.isEmpty, !effects.changes.isEmpty {
                scoreboardAhead = true
                update = follow(effects.changes)
            }
            do {
                try await committing
            } catch {
                logger.error(
                    "commit failed; no receipt sent, senders will retry",
                    metadata: ["batch.size": "\(batch.count)", "error": "\(error)"])
                (state.keyring, state.revoked) = kept
                do {
                    state.ledger = try Self.restoredLedger(
                        from: store, catalog: catalog, roster: state.ledger.roster, logger: logger
                    ).0
                } catch {
                    // Without a readable store nothing can be decided safely; stop, and let the supervisor restart
                    // the daemon once the disk is back (the state is rebuilt from the store at start).
                    logger.critical("cannot read the store back after a failed commit: \(error); stopping")
                    exit(EXIT_FAILURE)
                }
                if scoreboardAhead { scoreboard = Self.committedScoreboard(of: state.ledger) }
                return
            }
        }
        for (submitter, at) in effects.seen { state.lastSeen[submitter] = at }
        for (submitter, status) in effects.outcomes { state.outcomes[submitter, default: [:]][status, default: 0] += 1 }
        if !effects.controlReplies.isEmpty {
            Self.refresh(transportAccess, from: state)
            precheckKeyring.withLock { $0 = state.keyring }
        }
        if !effects.controlRequestIDs.isEmpty {
            recentControlRequests = recentControlRequests.filter { at - $0.value <= 2 * Self.controlWindowMilliseconds }
            for id in effects.controlRequestIDs { recentControlRequests[id] = at }
        }
        logger.debug(
            "batch committed", metadata: [
                "batch.size": "\(batch.count)", "batch.accepted": "\(effects.acceptedCount)",
                "batch.replies": "\(effects.ingestReplies.count + effects.controlReplies.count)",
            ])
        replies.ingest(sealed.replies)
        for (request, body) in effects.controlReplies { replies.control(request.reply(body)) }
        for (request, status) in effects.statusRequests { answer(status, to: request, batch: effects.changes) }
        guard let update = update ?? follow(effects.changes) else { return }
        scoredPosition = state.ledger.lastPosition
        if !update.isEmpty {
            published.publish(update, ledgerPosition: scoredPosition, updatedAt: at)
        }
    }

    /// The batch's store operations in order, each insert with its sealed receipt (or the receipt batch holding it,
    /// stored once before its first insert), then each submitter seen (once, at its latest time). Moved out of
    /// `pending`, not copied: a batch has hundreds, each with a dozen strings and blobs, and a copy costs a retain and
    /// a release of each.
    private static func storeOperations(
        taking pending: inout [PendingOperation], receipts: SealedReceipts, seen: [String: Int64]
    ) -> [StoreOperation] {
        var operations: [StoreOperation] = []
        operations.reserveCapacity(pending.count + seen.count)
        var storedBatches: Set<Int> = []
        pending.reverse()
        while let next = pending.popLast() {
            switch consume next {
            case .ready(let operation):
                operations.append(operation)
            case .insert(var stored, let receipt):
                if let id = receipts.batchIDs[receipt] {
                    if storedBatches.insert(id).inserted {
                        operations.append(.receiptBatch(id: id, envelope: receipts.proofs[receipt]))
                    }
                    stored.receiptBatch = id
                } else {
                    stored.receipt = receipts.proofs[receipt]
                }
                operations.append(.insert(stored))
            }
        }
        for (submitter, at) in seen { operations.append(.seen(submitter: submitter, atMilliseconds: at)) }
        return operations
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
        for change in changes { Self.follow(change, on: &scoreboard) }
        return scoreboard.update()
    }

    /// The scoreboard is the committed one again: the snapshots waiting for it go on.
    private func scoreboardCaughtUp() {
        scoreboardAhead = false
        let waiting = waitingForScoreboard
        waitingForScoreboard.removeAll()
        for continuation in waiting { continuation.resume() }
    }

    // MARK: - Ingest

    /// An envelope decoded, hashed and its signature checked ahead of the ledger, on all cores: the keeper, which
    /// decides one submission after another, is left only what needs the ledger. A class: it travels through the
    /// work queue into a batch, and a copy of a class is one reference count, not one per field.
    final class Prechecked: Sendable {
        let envelope: Kaoping_V1_Envelope?
        let key: Keyring.Entry?
        let signatureValid: Bool
        /// SHA-256 of the envelope bytes and of its payload.
        let envelopeHash: Data
        let contentHash: Data
        /// The payload of a submission, decoded (not trusted before the signature is).
        let claimed: Kaoping_V1_Submission?

        init(_ body: Data, keyring: Keyring) {
            envelopeHash = body.sha256
            guard let envelope = try? SignedEnvelope.decode(body) else {
                (self.envelope, key, signatureValid, contentHash, claimed) = (nil, nil, false, Data(), nil)
                return
            }
            self.envelope = envelope
            key = keyring.entry(KeyID(rawValue: envelope.keyID))
            signatureValid = key.map { SignedEnvelope.verify(envelope, with: $0.publicKey) } ?? false
            contentHash = envelope.payload.sha256
            claimed =
                envelope.type == MessageType.submission.rawValue
                ? try? SignedEnvelope.decodeSubmission(envelope.payload) : nil
        }
    }

    /// Decodes each envelope and verifies its signature with the keyring of the last committed batch, on all
    /// cores: verification is most of the work of a submission, and needs no isolation, so it runs as messages
    /// arrive while the keeper decides and commits earlier ones.
    nonisolated func precheck(_ requests: [RoutedRequest]) async -> [Prechecked] {
        let keyring = precheckKeyring.withLock { $0 }
        return await requests.map(\.body).concurrentMap { Prechecked($0, keyring: keyring) }
    }

    private func ingest(
        _ request: RoutedRequest, checked: Prechecked?, at: Int64, state: inout State, effects: inout Effects
    ) {
        let checked = checked ?? Prechecked(request.body, keyring: state.keyring)
        let envelopeHash = checked.envelopeHash
        var receipt = Kaoping_V1_Receipt()
        receipt.envelopeHash = envelopeHash
        receipt.campaign = catalog.campaign
        receipt.committedAtMs = at

        func answer(_ status: Kaoping_V1_Status, _ reason: String, audit entry: AuditEntry?) {
            receipt.status = status
            receipt.reason = reason
            if let entry { effects.operations.append(.ready(.audit(entry))) }
            effects.unsealed.append(receipt)
            effects.ingestReplies.append((request, effects.unsealed.count - 1))
            if entry != nil, !entry!.submitter.isEmpty {
                effects.outcomes.append((entry!.submitter, status.name))
            }
        }

        guard let envelope = checked.envelope else {
            // A batch member that is not an envelope is answered in its place (its receipt shares the batch's one
            // signature); a message of its own that is garbage gets no answer: signing a receipt for it would let a
            // flood buy signatures cheaply.
            if request.isMember {
                return answer(.invalid, "this batch member is not a kaoping.v1.Envelope", audit: nil)
            }
            logger.debug("dropped a message that is not an envelope")
            return
        }
        if let refusal = request.refusal { return answer(.invalid, refusal, audit: nil) }
        guard envelope.version == SignedEnvelope.protocolVersion else {
            return answer(
                .invalid,
                "protocol version \(envelope.version) is not supported; this aggregator speaks version "
                    + "\(SignedEnvelope.protocolVersion)", audit: nil)
        }
        let isHeartbeat = envelope.type == MessageType.heartbeat.rawValue
        guard envelope.type == MessageType.submission.rawValue || isHeartbeat else {
            return answer(
                .invalid, "message type '\(envelope.type)' is not accepted here; send 'submission' or 'heartbeat'",
                audit: nil)
        }
        var entry = AuditEntry(event: "", atMilliseconds: at, keyID: envelope.keyID, envelopeHash: envelopeHash)
        func refuse(_ status: Kaoping_V1_Status, _ reason: String) {
            entry.event = status.name
            entry.reason = reason
            answer(status, reason, audit: entry)
        }
        // Peek at the submission id for the answer; nothing in the payload is trusted before the signature.
        let claimed = checked.claimed
        receipt.submissionID = claimed?.submissionID ?? ""
        receipt.contentHash = checked.contentHash
        entry.submissionID = receipt.submissionID

        guard let key = state.keyring.entry(KeyID(rawValue: envelope.keyID)) else {
            return refuse(
                .unknownKey,
                "key \(envelope.keyID.isEmpty ? "(none)" : envelope.keyID) is not in the aggregator's keyring; "
                    + "ask the operator to add your public key")
        }
        // The signature was checked ahead with the same key, unless the batch changed the keyring since.
        let signatureValid =
            checked.key == key ? checked.signatureValid : SignedEnvelope.verify(envelope, with: key.publicKey)
        guard signatureValid else {
            return refuse(
                .badSignature,
                "the signature does not verify over this version, type, campaign and payload; sign exactly the "
                    + "payload bytes sent, with the key \(envelope.keyID)")
        }
        entry.submitter = key.submitter
        receipt.submitter = key.submitter
        if let revocation = state.revoked[envelope.keyID] {
            return refuse(
                .revoked, "key \(envelope.keyID) was revoked (\(revocation.reason)); ask the operator for a new key")
        }
        if transportAccess != nil, request.userID != key.submitter {
            return refuse(
                .unauthorized,
                "the connection was admitted as '\(request.userID ?? "nobody")' but the message is signed with "
                    + "\(key.submitter)'s key; each submitter connects and signs with its own keys")
        }
        effects.seen[key.submitter] = at  // stored once per submitter and batch (`storeOperations`)
        if isHeartbeat { return }  // a sign of life needs no answer

        guard envelope.campaign == catalog.campaign else {
            return refuse(.invalid, "campaign '\(envelope.campaign)' is not this campaign; use '\(catalog.campaign)'")
        }
        guard let wire = claimed else {
            return refuse(.invalid, "the payload is not a kaoping.v1.Submission")
        }
        guard wire.campaign == envelope.campaign else {
            return refuse(
                .invalid,
                "the payload's campaign '\(wire.campaign)' differs from the envelope's '\(envelope.campaign)'")
        }
        guard wire.submitter.isEmpty || wire.submitter == key.submitter else {
            return refuse(
                .unauthorized, "signed by \(key.submitter)'s key but claims to be from '\(wire.submitter)'")
        }
        var submission = Submission(wire: wire)
        submission.submitter = key.submitter
        entry.subject = submission.key.description

        switch state.ledger.submit(submission) {
        case .rejected(let rejection):
            refuse(Kaoping_V1_Status(rejection.status), rejection.reason)
        case .accepted(let accepted):
            receipt.ledgerPosition = UInt64(accepted.position)
            receipt.status = .accepted
            effects.unsealed.append(receipt)
            let index = effects.unsealed.count - 1
            entry.event = "accepted"
            effects.operations.append(
                .insert(
                    StoredSubmission(
                        position: accepted.position, submissionID: submission.id, submitter: key.submitter,
                        keyID: envelope.keyID, key: submission.key, envelope: request.body,
                        contentHash: receipt.contentHash, receipt: Data(), committedAtMilliseconds: at),
                    receipt: index))
            effects.operations.append(.ready(.audit(entry)))
            effects.changes.append(.apply(accepted))
            effects.acceptedCount += 1
            effects.receipts[accepted.position] = index
            effects.ingestReplies.append((request, index))
            effects.outcomes.append((key.submitter, "accepted"))
        case .duplicate(let original):
            receipt.ledgerPosition = UInt64(original.position)
            receipt.originalSubmissionID = original.submission.id
            let inBatch = effects.receipts[original.position]
            if inBatch == nil {
                receipt.originalReceipt = (try? store.receipt(position: original.position)) ?? Data()
            }
            entry.event = "duplicate"
            answer(
                .duplicate, "already accepted as submission \(original.submission.id); nothing changed", audit: entry)
            if let inBatch { effects.embeddedOriginals.append((effects.unsealed.count - 1, inBatch)) }
        }
    }

    /// A batch's receipts, sealed and addressed.
    struct SealedReceipts {
        /// Per receipt: the envelope that proves it, its own or the receipt batch holding it.
        var proofs: [Data]
        /// Per receipt: the id its receipt batch is stored under (the ledger position of the batch's first
        /// acceptance), or nil when it went alone or its batch accepted nothing.
        var batchIDs: [Int?]
        /// The answers, in the order of the requests (a receipt batch where its first entry's request was).
        var replies: [Multipart]
    }

    /// What one signature covers: a receipt alone, or a receipt batch.
    private enum Seal: Sendable {
        case alone(Int)
        case batch([Int])
    }

    /// About the most bytes of receipts a receipt batch is filled with (a reason may quote what was sent: a
    /// submission's own ids, up to the size of a message), so that a batch stays well within what a client takes
    /// (1 MiB, docs/protocol.md).
    static let receiptBatchBytes = 256 * 1024

    /// Seals a batch's receipts on all cores, a signature being most of the cost of a receipt. The receipts of batch
    /// members go to their peer in receipt batches of at most 64 (and about ``receiptBatchBytes``), signed once;
    /// every other receipt goes alone: a lone message's, and a DUPLICATE's, which carries the original's receipt
    /// inside (so that a receipt batch never holds another). A duplicate of a submission accepted in this same batch
    /// is sealed last, once the original's receipt is.
    private func seal(_ effects: Effects) async -> SealedReceipts {
        let receipts = effects.unsealed
        var later: [Int: Int] = [:]
        for (receipt, original) in effects.embeddedOriginals { later[receipt] = original }
        var seals: [Seal] = []
        var sealOf = [Int](repeating: -1, count: receipts.count)
        // Per peer: the receipt batch being filled, and about how many bytes it holds.
        var filling: [Data: (seal: Int, bytes: Int)] = [:]
        for (request, index) in effects.ingestReplies where later[index] == nil {
            guard request.isMember, receipts[index].status != .duplicate else {
                sealOf[index] = seals.count
                seals.append(.alone(index))
                continue
            }
            // The fixed fields (hashes, ids, times) take about 200 bytes; the reason is the rest.
            let bytes = 200 + receipts[index].submissionID.utf8.count + receipts[index].reason.utf8.count
            if let open = filling[request.identity], case .batch(var members) = seals[open.seal],
                members.count < EnvelopeBatch.maximumMembers, open.bytes + bytes <= Self.receiptBatchBytes
            {
                members.append(index)
                seals[open.seal] = .batch(members)
                sealOf[index] = open.seal
                filling[request.identity] = (open.seal, open.bytes + bytes)
            } else {
                filling[request.identity] = (seals.count, bytes)
                sealOf[index] = seals.count
                seals.append(.batch([index]))
            }
        }
        let (identity, campaign) = (identity, catalog.campaign)
        // Signing with a valid in-memory key and serializing plain messages cannot fail.
        let envelopes = await seals.concurrentMap { seal in
            switch seal {
            case .alone(let index):
                return try! SignedEnvelope.seal(receipts[index], type: .receipt, campaign: campaign, by: identity)
            case .batch(let members):
                var batch = Kaoping_V1_ReceiptBatch()
                batch.receipts = members.map { try! receipts[$0].serializedBytes() }
                return try! SignedEnvelope.seal(batch, type: .receiptBatch, campaign: campaign, by: identity)
            }
        }
        var sealed = SealedReceipts(
            proofs: [Data](repeating: Data(), count: receipts.count),
            batchIDs: [Int?](repeating: nil, count: receipts.count), replies: [])
        for (number, seal) in seals.enumerated() {
            switch seal {
            case .alone(let index):
                sealed.proofs[index] = envelopes[number]
            case .batch(let members):
                let id = members.first { receipts[$0].status == .accepted }.map { Int(receipts[$0].ledgerPosition) }
                for index in members {
                    sealed.proofs[index] = envelopes[number]
                    sealed.batchIDs[index] = id
                }
            }
        }
        for (index, original) in effects.embeddedOriginals {
            var receipt = receipts[index]
            receipt.originalReceipt = sealed.proofs[original]
            sealed.proofs[index] = sealReceipt(receipt)
        }
        var answered = Set<Int>()
        sealed.replies.reserveCapacity(seals.count + later.count)
        for (request, index) in effects.ingestReplies {
            let seal = sealOf[index]
            guard seal < 0 || answered.insert(seal).inserted else { continue }
            sealed.replies.append(request.reply(sealed.proofs[index]))
        }
        return sealed
    }

    private func sealReceipt(_ receipt: Kaoping_V1_Receipt) -> Data {
        // Signing with a valid in-memory key and serializing a plain message cannot fail.
        try! SignedEnvelope.seal(receipt, type: .receipt, campaign: catalog.campaign, by: identity)
    }
}

// MARK: - Control

extension LedgerKeeper {
    /// How far a control request's signing time may be from the aggregator's clock.
    static let controlWindowMilliseconds: Int64 = 5 * 60 * 1000

    private func control(_ request: RoutedRequest, at: Int64, state: inout State, effects: inout Effects) {
        var reply = Kaoping_V1_ControlReply()
        func send() {
            // Signing with a valid in-memory key and serializing a plain message cannot fail.
            let sealed = try! SignedEnvelope.seal(reply, type: .controlReply, campaign: catalog.campaign, by: identity)
            effects.controlReplies.append((request, sealed))
        }
        func fail(_ message: String) {
            reply.ok = false
            reply.error = message
            send()
        }
        let envelope: Kaoping_V1_Envelope
        let controlRequest: Kaoping_V1_ControlRequest
        do {
            envelope = try SignedEnvelope.decode(request.body)
            controlRequest = try SignedEnvelope.decodePayload(Kaoping_V1_ControlRequest.self, from: envelope.payload)
        } catch {
            return fail("not a control request (Envelope of type 'control' carrying kaoping.v1.ControlRequest)")
        }
        reply.requestID = controlRequest.requestID
        guard envelope.version == SignedEnvelope.protocolVersion, envelope.type == MessageType.control.rawValue,
            envelope.campaign == catalog.campaign
        else {
            return fail(
                "expected a version \(SignedEnvelope.protocolVersion) 'control' envelope for \(catalog.campaign)")
        }
        func status(_ asked: Kaoping_V1_StatusRequest) {
            if let unknown = asked.districts.first(where: { catalog.district($0) == nil }) {
                return fail("district '\(unknown)' is not in \(catalog.campaign); ask for districts of the campaign")
            }
            let status = StatusRequest(
                controlRequest.requestID, asked, state, changesBefore: effects.changes.count, at: at)
            effects.statusRequests.append((request, status))
        }
        if case .status(let asked) = controlRequest.request, envelope.signature.isEmpty {
            return status(asked)
        }
        guard let key = state.keyring.entry(KeyID(rawValue: envelope.keyID)),
            SignedEnvelope.verify(envelope, with: key.publicKey)
        else {
            return fail("the request is not signed by a key in the keyring; sign it with an operator key")
        }
        guard state.revoked[envelope.keyID] == nil else { return fail("key \(envelope.keyID) was revoked") }
        guard transportAccess == nil || request.userID == key.submitter else {
            return fail("the connection was admitted as '\(request.userID ?? "nobody")', not as \(key.submitter)")
        }
        guard catalog.isOperator(key.submitter) else {
            let operators = catalog.operators.map(\.id).joined(separator: ", ")
            return fail("\(key.submitter) is not an operator; only \(operators) may")
        }
        guard abs(controlRequest.signedAtMs - at) <= Self.controlWindowMilliseconds else {
            return fail("signed_at_ms is more than 5 minutes from the aggregator's clock; check the clock and resend")
        }
        guard !controlRequest.requestID.isEmpty, recentControlRequests[controlRequest.requestID] == nil,
            !effects.controlRequestIDs.contains(controlRequest.requestID)
        else {
            return fail("request_id is empty or was already used; give every request a new id")
        }
        effects.controlRequestIDs.append(controlRequest.requestID)
        var entry = AuditEntry(
            event: "", atMilliseconds: at, submitter: key.submitter, keyID: envelope.keyID,
            envelopeHash: request.body.sha256)

        switch controlRequest.request {
        case .status(let asked):
            return status(asked)
        case .reopen(let reopen):
            let submissionKey = SubmissionKey(
                campaign: catalog.campaign, indicator: reopen.indicator, district: reopen.district,
                worker: reopen.worker, period: reopen.period)
            switch state.ledger.reopen(Reopen(key: submissionKey, requestedBy: key.submitter, reason: reopen.reason)) {
            case .rejected(let rejection):
                return fail(rejection.reason)
            case .reopened(let voided):
                entry.event = "reopened"
                entry.subject = submissionKey.description
                entry.submissionID = voided.submission.id
                entry.reason = reopen.reason
                effects.operations.append(
                    .ready(
                        .void(
                            position: voided.position, reason: reopen.reason, operator: key.submitter,
                            atMilliseconds: at)))
                effects.operations.append(.ready(.audit(entry)))
                effects.changes.append(.void(submissionKey))
                reply.ok = true
                var result = Kaoping_V1_ReopenReply()
                result.voidedPosition = UInt64(voided.position)
                result.voidedSubmissionID = voided.submission.id
                reply.reopen = result
            }
        case .revokeKey(let revoke):
            guard let target = state.keyring.entry(KeyID(rawValue: revoke.keyID)) else {
                return fail("key \(revoke.keyID) is not in the keyring; `kaoping keys list` shows the key ids")
            }
            guard !revoke.reason.allSatisfy(\.isWhitespace) else { return fail("a revocation needs a reason") }
            let revocation = Revocation(
                keyID: revoke.keyID, submitter: target.submitter, reason: revoke.reason, atMilliseconds: at)
            state.revoked[revoke.keyID] = revocation
            entry.event = "key_revoked"
            entry.subject = revoke.keyID
            entry.reason = revoke.reason
            effects.operations.append(.ready(.revoke(revocation)))
            effects.operations.append(.ready(.audit(entry)))
            reply.ok = true
            var result = Kaoping_V1_RevokeKeyReply()
            result.submitter = target.submitter
            reply.revokeKey = result
        case .reloadKeyring:
            guard let keyringPath else { return fail("the aggregator was started without a keyring file") }
            do {
                let text = try String(contentsOfFile: keyringPath, encoding: .utf8)
                state.keyring = try Keyring(parsing: text)
            } catch {
                return fail("cannot reload \(keyringPath): \(error); the old keyring stays in force")
            }
            entry.event = "keyring_reloaded"
            entry.subject = keyringPath
            entry.reason = "\(state.keyring.entries.count) keys"
            effects.operations.append(.ready(.audit(entry)))
            reply.ok = true
            var result = Kaoping_V1_ReloadKeyringReply()
            result.keys = UInt32(state.keyring.entries.count)
            reply.reloadKeyring = result
        case nil:
            return fail("the request names no operation; set one of status, reopen, revoke_key, reload_keyring")
        }
        send()
    }

    /// What a status request saw: the ledger at its place in the batch — the scoreboard of the last batch and the
    /// changes of its own batch that came before it — and the last-seen times and outcome counts of the last
    /// committed batch. Copies on write: taking them costs next to nothing, and the keeper's next changes copy only
    /// what they change of the scoreboard's rows (a city's ledger, copied instead, was a hundred thousand entries).
    struct StatusRequest: Sendable {
        let requestID: String
        /// Narrowed to these districts' missing cells and the `mostMissing` districts missing the most; every
        /// missing cell and the ranking when neither is set.
        let districts: Set<String>
        let mostMissing: Int
        /// How many of its batch's scoreboard changes came before it.
        let changesBefore: Int
        let ledgerPosition: Int
        let lastSeen: [String: Int64]
        let outcomes: [String: [String: Int]]
        let at: Int64

        init(_ requestID: String, _ asked: Kaoping_V1_StatusRequest, _ state: State, changesBefore: Int, at: Int64) {
            self.requestID = requestID
            districts = Set(asked.districts)
            mostMissing = Int(asked.mostMissing)
            self.changesBefore = changesBefore
            ledgerPosition = state.ledger.lastPosition
            lastSeen = state.lastSeen
            outcomes = state.outcomes
            self.at = at
        }
    }

    /// Builds, seals and sends a status reply off the keeper: for a city it lists a hundred thousand cells and takes
    /// a good part of a second, which batches would otherwise wait for. Replies to later requests may overtake it
    /// (they carry their request ids); one still being built at shutdown is not sent (it changes nothing: ask again).
    /// At most `statusBuildLimit` are built at once; a request beyond them is answered at once that the aggregator
    /// is busy. `batch`: the scoreboard changes of the request's batch, which the keeper's scoreboard does not follow
    /// yet.
    private func answer(_ request: StatusRequest, to peer: RoutedRequest, batch: [ScoreboardChange]) {
        let (catalog, identity, replies, sequence) = (catalog, identity, replies, published.sequence)
        guard statusBuilds.take() else {
            var reply = Kaoping_V1_ControlReply()
            reply.requestID = request.requestID
            reply.error =
                "the aggregator is already building \(statusBuilds.limit) status replies; ask again in a few seconds "
                + "(to follow the campaign on a screen, use `kaoping watch`)"
            // Signing with a valid in-memory key and serializing a plain message cannot fail.
            let sealed = try! SignedEnvelope.seal(reply, type: .controlReply, campaign: catalog.campaign, by: identity)
            return replies.control(peer.reply(sealed))
        }
        let (board, before, slots) = (scoreboard, batch.prefix(request.changesBefore), statusBuilds)
        Task.detached {
            defer { slots.give() }
            var board = board
            for change in before { Self.follow(change, on: &board) }
            var reply = Kaoping_V1_ControlReply()
            reply.requestID = request.requestID
            reply.ok = true
            reply.status = Self.status(request, board: board, catalog: catalog, feedSequence: sequence)
            // Signing with a valid in-memory key and serializing a plain message cannot fail.
            let sealed = try! SignedEnvelope.seal(reply, type: .controlReply, campaign: catalog.campaign, by: identity)
            replies.control(peer.reply(sealed))
        }
    }

    /// Completeness, who owes what, when each submitter was last seen, and rejection counts.
    private static func status(
        _ request: StatusRequest, board: Scoreboard, catalog: Catalog, feedSequence: UInt64
    ) -> Kaoping_V1_StatusReply {
        let narrowed = !request.districts.isEmpty || request.mostMissing > 0
        // A narrowed reply carries no ranking: the standings (every row, sorted) are built only for a whole one.
        let standings = narrowed ? nil : board.standings(detailed: true, flaggingHotline: false)
        let completeness = standings?.completeness ?? board.completeness()
        var reply = Kaoping_V1_StatusReply()
        reply.campaign = catalog.campaign
        reply.cellsExpected = UInt32(completeness.expected)
        reply.cellsFilled = UInt32(completeness.filled)
        reply.final = completeness.isComplete
        var missing = completeness.missing
        if narrowed {
            let districts = board.districtCompleteness()
            // The named districts, and those missing the most (ties in catalog order).
            let most = districts.indices.filter { districts[$0].missing > 0 }
                .sorted { (-districts[$0].missing, $0) < (-districts[$1].missing, $1) }
                .prefix(request.mostMissing).map { districts[$0].district }
            missing = board.missingCells(ofDistricts: request.districts.union(most))
            reply.narrowed = true
            reply.districts = districts.map { district in
                var row = Kaoping_V1_DistrictCompleteness()
                row.district = district.district
                row.missing = UInt32(district.missing)
                row.workers = UInt32(district.workers)
                return row
            }
        }
        reply.missing = missing.map { cell in
            var missing = Kaoping_V1_MissingCell()
            missing.indicator = cell.key.indicator
            missing.district = cell.key.district
            missing.worker = cell.key.worker
            missing.period = cell.key.period
            missing.owner = cell.owner
            return missing
        }
        let owed = Dictionary(uniqueKeysWithValues: completeness.missingByOwner.map { ($0.owner, $0.count) })
        var submitters = catalog.submitters.map { ($0.id, $0.name) }
        submitters += catalog.districts.map { (SubmitterReference.leaderID(of: $0.id), "\($0.name)正职") }
        reply.submitters = submitters.map { id, name in
            var row = Kaoping_V1_SubmitterStatus()
            row.submitter = id
            row.name = name
            row.lastSeenMs = request.lastSeen[id] ?? 0
            let outcomes = request.outcomes[id] ?? [:]
            row.accepted = UInt32(outcomes["accepted"] ?? 0)
            row.rejected = UInt32(outcomes.filter { !["accepted", "duplicate"].contains($0.key) }.values.reduce(0, +))
            row.owed = UInt32(owed[id] ?? 0)
            return row
        }
        var rejections: [String: UInt32] = [:]
        for (_, events) in request.outcomes {
            for (event, count) in events where !["accepted", "duplicate"].contains(event) {
                rejections[event, default: 0] += UInt32(count)
            }
        }
        reply.rejections = rejections
        reply.ledgerPosition = UInt64(request.ledgerPosition)
        reply.feedSequence = feedSequence
        if let standings {
            reply.ranking = Kaoping_V1_Ranking(standings, ledgerPosition: request.ledgerPosition, updatedAt: request.at)
        }
        return reply
    }
}
