import Foundation
import KaopingCore
import KaopingStore
import KaopingWire
import Synchronization

/// Submissions and heartbeats from the ingest endpoint: checked in the order of docs/protocol.md ("Checks, in
/// order"), then decided by the ledger.
extension LedgerKeeper {
    /// An envelope decoded, hashed and its signature checked ahead of the ledger, on all cores: the keeper, which
    /// decides one submission after another, is left only what needs the ledger. A class: it travels through the
    /// work queue into a batch, and a copy of a class is one reference count, not one per field.
    final class Prechecked: Sendable {
        let envelope: Kaoping_V1_Envelope?
        /// The key the signature was checked with, and whether it verified.
        let verified: Admission.Verified?
        /// SHA-256 of the envelope bytes and of its payload.
        let envelopeHash: Data
        let contentHash: Data
        /// The payload of a submission, decoded (not trusted before the signature is).
        let claimed: Kaoping_V1_Submission?
        /// The payload of a finding, plan or review, decoded (not trusted before the signature is).
        let claimedStep: FeedbackStep?

        init(_ body: Data, keyring: Keyring) {
            envelopeHash = body.sha256
            guard let envelope = try? SignedEnvelope.decode(body) else {
                (self.envelope, verified, contentHash, claimed, claimedStep) = (nil, nil, Data(), nil, nil)
                return
            }
            self.envelope = envelope
            verified = keyring.entry(KeyID(rawValue: envelope.keyID)).map {
                Admission.Verified(key: $0, valid: SignedEnvelope.verify(envelope, with: $0))
            }
            contentHash = envelope.payload.sha256
            let type = MessageType(rawValue: envelope.type)
            claimed = type == .submission ? try? SignedEnvelope.decodeSubmission(envelope.payload) : nil
            claimedStep = type.flatMap { try? FeedbackStep.decode(type: $0, payload: envelope.payload) }
        }
    }

    /// Decodes each envelope and verifies its signature with the keyring of the last committed batch, on all
    /// cores: verification is most of the work of a submission, and needs no isolation, so it runs as messages
    /// arrive while the keeper decides and commits earlier ones.
    nonisolated func precheck(_ requests: [RoutedRequest]) async -> [Prechecked] {
        let keyring = precheckKeyring.withLock { $0 }
        return await requests.map(\.body).concurrentMap { Prechecked($0, keyring: keyring) }
    }

    /// What the ingest endpoint takes.
    static let ingestTypes: [MessageType] = [.submission, .heartbeat] + MessageType.feedbackSteps + [.feedbackQuery]

    /// Decides a submission or heartbeat into `batch`.
    func ingest(
        _ request: RoutedRequest, checked: Prechecked?, at: Timestamp, state: inout State, batch: inout BatchDecisions
    ) {
        let checked = checked ?? Prechecked(request.body, keyring: state.admission.keyring)
        var receipt = Kaoping_V1_Receipt()
        receipt.envelopeHash = checked.envelopeHash
        receipt.campaign = catalog.campaign
        receipt.committedAtMs = at.milliseconds

        func answer(_ status: Kaoping_V1_Status, _ reason: String, audit entry: AuditEntry?) {
            receipt.status = status
            receipt.reason = reason
            var decision = Decision(request: request, answer: .receipt(receipt, originalInBatch: nil))
            decision.audit = entry
            if let entry, !entry.submitter.isEmpty { batch.outcomes.append((entry.submitter, status.name)) }
            batch.append(decision)
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
        var entry = AuditEntry(
            event: "", at: at, keyID: envelope.keyID, envelopeHash: checked.envelopeHash)
        func refuse(_ status: Kaoping_V1_Status, _ reason: String) {
            entry.event = status.name
            entry.reason = reason
            answer(status, reason, audit: entry)
        }

        let authentication = state.admission.authenticate(
            envelope, as: Self.ingestTypes, connectionUser: request.userID, verified: checked.verified)
        if case .failure(let refusal) = authentication, !refusal.audited {
            return answer(refusal.status, refusal.reason, audit: nil)
        }
        // Peek at the submission id for the answer; nothing in the payload is trusted before the signature.
        let claimed = checked.claimed
        receipt.submissionID = claimed?.submissionID ?? checked.claimedStep?.id ?? ""
        receipt.contentHash = checked.contentHash
        entry.submissionID = receipt.submissionID
        let key: Keyring.Entry
        switch authentication {
        case .failure(let refusal):
            if let signer = refusal.signer {
                entry.submitter = signer
                receipt.submitter = signer
            }
            return refuse(refusal.status, refusal.reason)
        case .success(let authenticated):
            key = authenticated.key
            entry.submitter = key.submitter
            receipt.submitter = key.submitter
            batch.seen[key.submitter] = at  // stored once per submitter and batch (`takeStoreOperations`)
            switch authenticated.type {
            case .heartbeat:
                return  // a sign of life needs no answer
            case .finding, .plan, .review:
                return decideFeedback(
                    checked.claimedStep, request: request, key: key, envelope: envelope, receipt: receipt,
                    entry: entry, at: at, state: &state, batch: &batch)
            case .feedbackQuery:
                let list = answerFeedbackQuery(
                    envelope, body: request.body, key: key, at: at, state: state,
                    limit: Self.feedbackListBytes.ingest)
                return batch.append(Decision(request: request, answer: .reply(list)))
            default:
                break
            }
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
            entry.event = AuditEvent.accepted.rawValue
            var decision = Decision(request: request, answer: .receipt(receipt, originalInBatch: nil))
            decision.accepted = StoredSubmission(
                position: accepted.position, submissionID: submission.id, submitter: key.submitter,
                keyID: envelope.keyID, key: submission.key, envelope: request.body,
                contentHash: receipt.contentHash, receipt: Data(), committedAt: at)
            decision.audit = entry
            batch.changes.append(.apply(accepted))
            batch.acceptedCount += 1
            batch.acceptedAt[accepted.position] = batch.decisions.count
            batch.outcomes.append((key.submitter, entry.event))
            batch.append(decision)
        case .duplicate(let original):
            receipt.ledgerPosition = UInt64(original.position)
            receipt.originalSubmissionID = original.submission.id
            receipt.status = .duplicate
            receipt.reason = "already accepted as submission \(original.submission.id); nothing changed"
            let inBatch = batch.acceptedAt[original.position]
            if inBatch == nil {
                receipt.originalReceipt = (try? store.receipt(position: original.position)) ?? Data()
            }
            entry.event = AuditEvent.duplicate.rawValue
            var decision = Decision(request: request, answer: .receipt(receipt, originalInBatch: inBatch))
            decision.audit = entry
            batch.outcomes.append((key.submitter, entry.event))
            batch.append(decision)
        }
    }
}
