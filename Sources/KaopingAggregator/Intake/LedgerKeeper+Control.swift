import Foundation
import KaopingCore
import KaopingStore
import KaopingWire

/// The operator's requests on the control endpoint: status, reopen, revoke a key, reload the keyring.
extension LedgerKeeper {
    /// How far a control request's signing time may be from the aggregator's clock.
    static let controlWindow: Duration = .seconds(5 * 60)

    /// The keyring file as read for a request to reload it, off the keeper (reading a file blocks), before its batch.
    enum KeyringReload: Sendable {
        case read(Keyring)
        case failed(String)
    }

    /// Control requests as work for the keeper, each request to reload the keyring with the file read.
    nonisolated func prepare(control requests: [RoutedRequest]) -> [Work] {
        requests.map { request in
            guard let keyringPath,
                let envelope = try? SignedEnvelope.decode(request.body),
                let asked = try? SignedEnvelope.decodePayload(Kaoping_V1_ControlRequest.self, from: envelope.payload),
                case .reloadKeyring = asked.request
            else { return .control(request) }
            do throws(CampaignFileError) {
                return .control(request, .read(try CampaignFiles.keyring(keyringPath)))
            } catch {
                return .control(request, .failed(error.message))
            }
        }
    }

    /// Decides a control request; `reload`: the keyring file, read when the request asks to reload it.
    func control(
        _ request: RoutedRequest, reload: KeyringReload?, at: Timestamp, state: inout State, batch: inout BatchDecisions
    ) {
        var reply = Kaoping_V1_ControlReply()
        var decision = Decision(request: request, answer: .control(Data()))
        func send() {
            // Signing with a valid in-memory key and serializing a plain message cannot fail.
            decision.answer = .control(
                try! SignedEnvelope.seal(reply, type: .controlReply, campaign: catalog.campaign, by: identity))
            batch.append(decision)
        }
        func fail(_ message: String) {
            reply.ok = false
            reply.error = message
            send()
        }
        let notControl = "not a control request (Envelope of type 'control' carrying kaoping.v1.ControlRequest)"
        guard let envelope = try? SignedEnvelope.decode(request.body) else { return fail(notControl) }
        if envelope.type == MessageType.feedbackQuery.rawValue {
            switch state.admission.authenticate(envelope, as: [.feedbackQuery], connectionUser: request.userID) {
            case .failure(let refusal): return fail(refusal.reason)
            case .success(let authenticated):
                decision.answer = .control(
                    answerFeedbackQuery(
                        envelope, body: request.body, key: authenticated.key, at: at, state: state,
                        limit: Self.feedbackListBytes.control))
                return batch.append(decision)
            }
        }
        guard
            let controlRequest = try? SignedEnvelope.decodePayload(
                Kaoping_V1_ControlRequest.self, from: envelope.payload)
        else { return fail(notControl) }
        reply.requestID = controlRequest.requestID
        func status(_ asked: Kaoping_V1_StatusRequest) {
            if let unknown = asked.districts.first(where: { catalog.district($0) == nil }) {
                return fail("district '\(unknown)' is not in \(catalog.campaign); ask for districts of the campaign")
            }
            let status = StatusReport.Request(
                controlRequest.requestID, asked, state, changesBefore: batch.changes.count, at: at)
            batch.append(Decision(request: request, answer: .status(status)))
        }
        if case .status(let asked) = controlRequest.request, envelope.signature.isEmpty {
            guard envelope.version == SignedEnvelope.protocolVersion, envelope.type == MessageType.control.rawValue,
                envelope.campaign == catalog.campaign
            else {
                return fail(
                    "expected a version \(SignedEnvelope.protocolVersion) 'control' envelope for \(catalog.campaign)")
            }
            // With CURVE the connection is known: the status names people and grades, for viewers and operators.
            if state.admission.connectionsAuthenticated {
                let user = request.userID ?? ""
                let current = state.admission.keyring.entries.values.contains {
                    $0.submitter == user && state.admission.revoked[$0.keyID.rawValue] == nil
                }
                guard catalog.mayRead(user), current else {
                    return fail(
                        "the status is for viewers and operators; this connection's key (\(user)) may not read it — "
                            + "connect with a viewer's key (kaoping keygen --submitter viewer:NAME, listed in the "
                            + "keyring) or the operator's")
                }
            }
            return status(asked)
        }
        let key: Keyring.Entry
        switch state.admission.authenticate(envelope, as: [.control], connectionUser: request.userID) {
        case .failure(let refusal): return fail(refusal.reason)
        case .success(let authenticated): key = authenticated.key
        }
        guard catalog.isOperator(key.submitter) else {
            let operators = catalog.operators.map(\.id).joined(separator: ", ")
            return fail("\(key.submitter) is not an operator; only \(operators) may")
        }
        let signedAt = Timestamp(milliseconds: controlRequest.signedAtMs)
        guard at - signedAt <= Self.controlWindow, signedAt - at <= Self.controlWindow else {
            return fail("signed_at_ms is more than 5 minutes from the aggregator's clock; check the clock and resend")
        }
        guard !controlRequest.requestID.isEmpty, recentControlRequests[controlRequest.requestID] == nil,
            !batch.controlRequestIDs.contains(controlRequest.requestID)
        else {
            return fail("request_id is empty or was already used; give every request a new id")
        }
        batch.controlRequestIDs.append(controlRequest.requestID)
        var entry = AuditEntry(
            event: "", at: at, submitter: key.submitter, keyID: envelope.keyID,
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
                entry.event = AuditEvent.reopened.rawValue
                entry.subject = submissionKey.description
                entry.submissionID = voided.submission.id
                entry.reason = reopen.reason
                decision.operations = [
                    .void(position: voided.position, reason: reopen.reason, operator: key.submitter, at: at)
                ]
                batch.changes.append(.void(submissionKey))
                reply.ok = true
                var result = Kaoping_V1_ReopenReply()
                result.voidedPosition = UInt64(voided.position)
                result.voidedSubmissionID = voided.submission.id
                reply.reopen = result
            }
        case .revokeKey(let revoke):
            guard let target = state.admission.keyring.entry(KeyID(rawValue: revoke.keyID)) else {
                return fail("key \(revoke.keyID) is not in the keyring; `kaoping keys list` shows the key ids")
            }
            guard !revoke.reason.allSatisfy(\.isWhitespace) else { return fail("a revocation needs a reason") }
            let revocation = Revocation(
                keyID: revoke.keyID, submitter: target.submitter, reason: revoke.reason, at: at)
            state.admission.revoked[revoke.keyID] = revoke.reason
            entry.event = AuditEvent.keyRevoked.rawValue
            entry.subject = revoke.keyID
            entry.reason = revoke.reason
            decision.operations = [.revoke(revocation)]
            reply.ok = true
            var result = Kaoping_V1_RevokeKeyReply()
            result.submitter = target.submitter
            reply.revokeKey = result
        case .reloadKeyring:
            guard let keyringPath else { return fail("the aggregator was started without a keyring file") }
            switch reload {
            case .read(let keyring)?:
                state.admission.keyring = keyring
            case .failed(let error)?:
                return fail("cannot reload \(keyringPath): \(error); the old keyring stays in force")
            case nil:
                return fail("cannot reload \(keyringPath): the file was not read; the old keyring stays in force")
            }
            entry.event = AuditEvent.keyringReloaded.rawValue
            entry.subject = keyringPath
            entry.reason = "\(state.admission.keyring.entries.count) keys"
            reply.ok = true
            var result = Kaoping_V1_ReloadKeyringReply()
            result.keys = UInt32(state.admission.keyring.entries.count)
            reply.reloadKeyring = result
        case nil:
            return fail("the request names no operation; set one of status, reopen, revoke_key, reload_keyring")
        }
        decision.audit = entry
        send()
    }
}
