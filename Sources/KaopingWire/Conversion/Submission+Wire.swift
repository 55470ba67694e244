@preconcurrency import Crypto
import Foundation
import KaopingCore

extension Submission {
    /// The rules' view of a wire submission; `signed_at_ms` is metadata and not part of it.
    public init(wire: Kaoping_V1_Submission) {
        self.init(
            id: wire.submissionID, submitter: wire.submitter, campaign: wire.campaign, indicator: wire.indicator,
            district: wire.district, worker: wire.worker, period: wire.period, score: wire.score,
            respondents: Int(wire.respondents), keyRespondents: Int(wire.keyRespondents),
            participants: Int(wire.participants), note: wire.note, hotline: wire.hotline)
    }

    /// The wire form, stamped with the signing time.
    public func wire(signedAt: Timestamp) -> Kaoping_V1_Submission {
        var wire = Kaoping_V1_Submission()
        wire.submissionID = id
        wire.submitter = submitter
        wire.campaign = campaign
        wire.indicator = indicator
        wire.district = district
        wire.worker = worker
        wire.period = period
        wire.score = score
        wire.respondents = Int32(clamping: respondents)
        wire.keyRespondents = Int32(clamping: keyRespondents)
        wire.participants = Int32(clamping: participants)
        wire.note = note
        wire.hotline = hotline
        wire.signedAtMs = signedAt.milliseconds
        return wire
    }
}

extension Data {
    /// SHA-256 of the bytes.
    public var sha256: Data { SHA256.hash(data: self).withUnsafeBytes { Data($0) } }

    /// Lowercase hex.
    public var hex: String { map { String(format: "%02x", $0) }.joined() }
}

extension Kaoping_V1_Status {
    /// The status of a rejection by the rules.
    public init(_ status: Rejection.Status) {
        switch status {
        case .invalid: self = .invalid
        case .unauthorized: self = .unauthorized
        case .conflict: self = .conflict
        }
    }

    /// The lowercase name used in docs, logs and the audit log: `accepted`, `bad_signature`, …
    public var name: String {
        switch self {
        case .accepted: return "accepted"
        case .duplicate: return "duplicate"
        case .conflict: return "conflict"
        case .unauthorized: return "unauthorized"
        case .invalid: return "invalid"
        case .badSignature: return "bad_signature"
        case .unknownKey: return "unknown_key"
        case .revoked: return "revoked"
        case .unspecified, .UNRECOGNIZED: return "unspecified"
        }
    }
}
