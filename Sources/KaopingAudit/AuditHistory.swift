import Foundation
import KaopingCore
import KaopingStore
import KaopingWire

/// What the audit log says about some cells: every event about them in order (accepted, duplicate, refused,
/// reopened), and for each accepted submission what was signed (the value, by which key, when) with the signed
/// envelope itself, which anyone holding the submitter's public key can check. This is how a dispute over "who sent
/// which number" is settled: the store keeps the signed bytes, and the audit chain says what happened to them.
public struct AuditHistory {
    /// Which events to show: those whose subject has these parts (and submitter), each when given.
    public struct Filter: Sendable {
        public var indicator: String?
        public var district: String?
        /// A worker id or a hotline month: a key's third part.
        public var workerOrPeriod: String?
        public var submitter: String?

        public init(
            indicator: String? = nil, district: String? = nil, workerOrPeriod: String? = nil, submitter: String? = nil
        ) {
            self.indicator = indicator
            self.district = district
            self.workerOrPeriod = workerOrPeriod
            self.submitter = submitter
        }

        public func admits(_ entry: AuditEntry) -> Bool {
            if let submitter, entry.submitter != submitter { return false }
            let wanted = [indicator, district, workerOrPeriod]
            guard wanted.contains(where: { $0 != nil }) else { return true }
            let parts = entry.subject.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else { return false }  // a key id (key_revoked), or nothing trusted
            return zip(wanted, parts + [""]).allSatisfy { wanted, part in wanted == nil || wanted == part }
        }
    }

    /// One event of the audit log, with the submission it accepted.
    public struct Event: Encodable, Sendable {
        public var sequence: Int64
        public var at: Timestamp
        public var event: String
        public var subject: String
        public var submitter: String
        public var keyID: String
        public var submissionID: String
        public var reason: String
        /// For an accepted submission: its ledger position, value as signed, signing time, whether it was voided
        /// later, the signed envelope (base64), and whether its signature verifies with the keyring's key for
        /// `keyID` (nil without a keyring, or when the keyring no longer lists the key).
        public var position: Int?
        public var value: String?
        public var signedAt: Timestamp?
        public var voided: Bool?
        public var envelope: String?
        public var signatureVerified: Bool?

        enum CodingKeys: String, CodingKey {
            case sequence, event, subject, submitter, reason, position, value, voided, envelope
            case at = "at_ms"
            case keyID = "key_id"
            case submissionID = "submission_id"
            case signedAt = "signed_at_ms"
            case signatureVerified = "signature_verified"
        }
    }

    /// The events of `log` that `filter` admits, each accepted one with its stored submission.
    public static func events(
        log: AuditLog, submissions: [(submission: StoredSubmission, voided: Bool)], filter: Filter, catalog: Catalog,
        keyring: Keyring?
    ) -> [Event] {
        let stored = Dictionary(
            submissions.map { ($0.submission.envelope.sha256, $0) }, uniquingKeysWith: { first, _ in first })
        return log.filter { filter.admits($0.entry) }.map { sequence, entry, _ in
            var event = Event(
                sequence: sequence, at: entry.at, event: entry.event, subject: entry.subject,
                submitter: entry.submitter, keyID: entry.keyID, submissionID: entry.submissionID, reason: entry.reason)
            if entry.kind == .accepted, let (submission, voided) = stored[entry.envelopeHash] {
                event.position = submission.position
                event.voided = voided
                event.envelope = submission.envelope.base64EncodedString()
                if let envelope = try? SignedEnvelope.decode(submission.envelope) {
                    if let payload = try? SignedEnvelope.decodeSubmission(envelope.payload) {
                        event.value = catalog.shown(Submission(wire: payload))
                        event.signedAt = Timestamp(milliseconds: payload.signedAtMs)
                    }
                    if let key = keyring?.entry(KeyID(rawValue: envelope.keyID)) {
                        event.signatureVerified = SignedEnvelope.verify(envelope, with: key)
                    }
                }
            }
            return event
        }
    }

    /// One line per event: when, the audit sequence, what, about which cell, and by whom; an accepted submission's
    /// value, signing time and position; a refusal's or a reopen's reason.
    public static func render(_ events: [Event], time: (Timestamp) -> String) -> String {
        let width = events.map(\.event.count).max() ?? 0
        return events.map { event in
            var line = "\(time(event.at))  #\(event.sequence)  "
                + event.event.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(event.subject)"
            if let value = event.value { line += "  \(value)" }
            if !event.submitter.isEmpty { line += "  by \(event.submitter)" }
            if !event.keyID.isEmpty { line += " (key \(event.keyID))" }
            if let signedAt = event.signedAt { line += ", signed \(time(signedAt))" }
            switch event.signatureVerified {
            case true?: line += ", signature verified"
            case false?: line += ", SIGNATURE DOES NOT VERIFY"
            case nil: break
            }
            if let position = event.position {
                line += ", position \(position)" + (event.voided == true ? " (voided later)" : "")
            }
            if !event.submissionID.isEmpty {
                line += event.event == AuditEvent.reopened.rawValue ? ", voids submission " : ", submission "
                line += event.submissionID
            }
            if !event.reason.isEmpty { line += " — \(event.reason)" }
            if event.event == AuditEvent.accepted.rawValue, event.position == nil {
                line += " — NO STORED SUBMISSION MATCHES THIS ENTRY: the store was altered; run `kaoping audit verify`"
            }
            return line
        }.joined(separator: "\n")
    }
}
