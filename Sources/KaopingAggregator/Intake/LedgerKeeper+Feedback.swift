import Foundation
import KaopingCore
import KaopingStore
import KaopingWire

/// The feedback loop (docs/protocol.md §7): findings, plans and reviews decided by the ``FeedbackBook`` like
/// submissions by the ledger — authenticated first, answered with a receipt only after the commit, each step audited
/// — and the queries for findings, answered with what the signer may see.
extension LedgerKeeper {
    /// The book and, by step, each accepted message as a query lists it (its envelope, signer and commit time): a
    /// campaign's feedback is hundreds of messages, kept in memory so that a query reads no store.
    struct FeedbackState: Sendable {
        var book: FeedbackBook
        var entries: [Int: Kaoping_V1_FeedbackEntry] = [:]
    }

    /// The feedback the store holds, replayed in order of step.
    static func restoredFeedback(from store: AggregatorStore, catalog: Catalog, roster: Roster) throws
        -> FeedbackState
    {
        var state = FeedbackState(book: FeedbackBook(catalog: catalog, roster: roster))
        try store.forEachFeedback { stored in
            var step = try FeedbackStep.decode(envelope: stored.envelope)
            step.submitter = stored.submitter
            if let refusal = state.book.restore(step, step: stored.step) {
                throw StoreError(
                    "feedback step \(stored.step) (\(stored.kind) \(stored.messageID)) cannot be replayed: "
                        + "\(refusal.reason). The store was changed outside the aggregator: restore it from a backup")
            }
            state.entries[stored.step] = entry(stored)
        }
        return state
    }

    private static func entry(_ stored: StoredFeedback) -> Kaoping_V1_FeedbackEntry {
        var entry = Kaoping_V1_FeedbackEntry()
        entry.kind = stored.kind
        entry.envelope = stored.envelope
        entry.submitter = stored.submitter
        entry.step = UInt64(stored.step)
        entry.committedAtMs = stored.committedAt.milliseconds
        return entry
    }

    /// The audit event of an accepted step.
    private static func event(_ message: FeedbackStep) -> AuditEvent {
        switch message {
        case .finding: .findingRaised
        case .plan: .planSubmitted
        case .review(let review):
            switch review.verdict {
            case .accepted: .planAccepted
            case .returned: .planReturned
            case .rectified: .findingRectified
            case .reopened: .findingReopened
            }
        }
    }

    /// The audit subject of a step: `finding:<id>/<district>`, so that a district's history shows its findings.
    static func auditSubject(findingID: String, district: String) -> String { "finding:\(findingID)/\(district)" }

    /// Decides an authenticated finding, plan or review (`claimed`, decoded from the payload the signature covers)
    /// into `batch`. `receipt` and `entry` come filled with what every answer carries.
    func decideFeedback(
        _ claimed: FeedbackStep?, request: RoutedRequest, key: Keyring.Entry, envelope: Kaoping_V1_Envelope,
        receipt: Kaoping_V1_Receipt, entry: AuditEntry, at: Timestamp, state: inout State,
        batch: inout BatchDecisions
    ) {
        var (receipt, entry) = (receipt, entry)
        func answer(_ status: Kaoping_V1_Status, _ reason: String, event: String, originalInBatch: Int? = nil)
            -> Decision
        {
            receipt.status = status
            receipt.reason = reason
            entry.event = event
            if status != .accepted && status != .duplicate { entry.reason = reason }
            var decision = Decision(request: request, answer: .receipt(receipt, originalInBatch: originalInBatch))
            decision.audit = entry
            batch.outcomes.append((key.submitter, event))
            return decision
        }
        guard var message = claimed else {
            let type = envelope.type
            return batch.append(
                answer(
                    .invalid, "the payload is not a kaoping.v1.\(type.prefix(1).uppercased() + type.dropFirst())",
                    event: AuditEvent.invalid.rawValue))
        }
        guard message.submitter.isEmpty || message.submitter == key.submitter else {
            return batch.append(
                answer(
                    .unauthorized, "signed by \(key.submitter)'s key but claims to be from '\(message.submitter)'",
                    event: AuditEvent.unauthorized.rawValue))
        }
        message.submitter = key.submitter
        let district =
            state.feedback.book.record(message.findingID)?.finding.district
            ?? { if case .finding(let finding) = message { finding.district } else { "" } }()
        entry.subject = Self.auditSubject(findingID: message.findingID, district: district)

        switch state.feedback.book.take(message) {
        case .rejected(let rejection):
            batch.append(
                answer(Kaoping_V1_Status(rejection.status), rejection.reason, event: rejection.status.rawValue))
        case .accepted(let step, _):
            receipt.feedbackStep = UInt64(step)
            var decision = answer(.accepted, "", event: Self.event(message).rawValue)
            let stored = StoredFeedback(
                step: step, kind: message.kind, messageID: message.id, findingID: message.findingID,
                district: district, submitter: key.submitter, keyID: envelope.keyID, envelope: request.body,
                receipt: Data(), committedAt: at)
            state.feedback.entries[step] = Self.entry(stored)
            decision.acceptedFeedback = stored
            batch.feedbackAt[step] = batch.decisions.count
            batch.feedbackChanged = true
            batch.append(decision)
        case .duplicate(let step, let id):
            receipt.feedbackStep = UInt64(step)
            receipt.originalSubmissionID = id
            let inBatch = batch.feedbackAt[step]
            if inBatch == nil { receipt.originalReceipt = (try? store.feedbackReceipt(step: step)) ?? Data() }
            batch.append(
                answer(
                    .duplicate, "already accepted as \(message.kind) \(id) (step \(step)); nothing changed",
                    event: AuditEvent.duplicate.rawValue, originalInBatch: inBatch))
        }
    }

    // MARK: - Queries

    /// The most a `feedback_list` holds on each endpoint (docs/protocol.md §7): an agent's socket takes messages of
    /// up to 1 MiB, a control client's up to 64 MiB.
    static let feedbackListBytes = (ingest: 512 * 1024, control: 32 * 1024 * 1024)

    /// The signed `feedback_list` answering `query` (already authenticated as signed by `key`): what the signer may
    /// see, narrowed by the query, as of the decisions so far (sent only once they are committed), findings left out
    /// (`truncated`) past `limit` bytes.
    func answerFeedbackQuery(
        _ envelope: Kaoping_V1_Envelope, body: Data, key: Keyring.Entry, at: Timestamp, state: State, limit: Int
    ) -> Data {
        var list = Kaoping_V1_FeedbackList()
        list.campaign = catalog.campaign
        list.queryHash = body.sha256
        let today = CalendarDay(of: at)
        list.today = today.text
        let book = state.feedback.book
        list.lastStep = UInt64(book.lastStep)
        func seal() -> Data {
            // Signing with a valid in-memory key and serializing a plain message cannot fail.
            try! SignedEnvelope.seal(list, type: .feedbackList, campaign: catalog.campaign, by: identity)
        }
        let query: Kaoping_V1_FeedbackQuery
        do {
            query = try SignedEnvelope.decodePayload(Kaoping_V1_FeedbackQuery.self, from: envelope.payload)
        } catch {
            list.error = "the payload is not a kaoping.v1.FeedbackQuery"
            return seal()
        }
        let signedAt = Timestamp(milliseconds: query.signedAtMs)
        guard at - signedAt <= Self.controlWindow, signedAt - at <= Self.controlWindow else {
            list.error =
                "signed_at_ms is more than 5 minutes from the aggregator's clock; check the clock and ask again"
            return seal()
        }
        guard let scope = visibility(of: key.submitter) else {
            list.error =
                "\(key.submitter) may not read findings; departments, district heads, viewers and operators may"
            return seal()
        }
        let known = Set(FeedbackBook.State.allCases.map(\.rawValue) + ["open", "overdue"])
        if let unknown = query.states.first(where: { !known.contains($0) }) {
            list.error = "state '\(unknown)' is not one of \(known.sorted().joined(separator: ", "))"
            return seal()
        }
        let states = Set(query.states)
        var size = 1024  // the list's own fields and the envelope around it
        for record in book.records where scope(record) {
            let finding = record.finding
            if !query.district.isEmpty, finding.district != query.district { continue }
            if !query.department.isEmpty, finding.submitter != query.department { continue }
            if !query.findingID.isEmpty, finding.id != query.findingID { continue }
            let overdue = record.isOverdue(on: today)
            if !states.isEmpty,
                !states.contains(record.state.rawValue), !(states.contains("open") && record.isOpen),
                !(states.contains("overdue") && overdue)
            {
                continue
            }
            var item = Kaoping_V1_FeedbackItem()
            item.findingID = finding.id
            item.district = finding.district
            item.department = finding.submitter
            item.state = record.state.rawValue
            item.overdue = overdue
            item.due = record.due?.text ?? ""
            item.owedBy = record.owedBy ?? ""
            item.standingPlanID = record.standingPlan?.id ?? ""
            item.history = record.history.compactMap { state.feedback.entries[$0.step] }
            // Serializing a plain message cannot fail.
            size += (try! item.serializedBytes() as Data).count + 8
            guard size <= limit else {
                list.truncated = true
                break
            }
            list.items.append(item)
        }
        return seal()
    }

    /// Which findings `submitter` may read: all for viewers and operators, its district's for a head, those it
    /// raised for a department; nil when it may read none.
    private func visibility(of submitter: String) -> ((FeedbackBook.Record) -> Bool)? {
        if catalog.mayRead(submitter) { return { _ in true } }
        if let district = SubmitterReference.leaderDistrict(of: submitter) {
            return { $0.finding.district == district }
        }
        if catalog.submitters.contains(where: { $0.id == submitter }) {
            return { $0.finding.submitter == submitter }
        }
        return nil
    }
}
