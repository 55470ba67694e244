import Foundation
import KaopingWire
import Synchronization
import ZeroMQ

/// What one delivery run shares between its sender and its receipt reader.
final class DeliveryRun: Sendable {
    let counter = ReportCounter()
    let batching = Batching()
    /// Where refusals of rows dropped in the inbox are written, whichever command receives them.
    let notes: Inbox?
    /// The last list of findings the aggregator sent, verified.
    let feedback = Mutex<Kaoping_V1_FeedbackList?>(nil)

    /// Whether what this agent owes is logged as lists of findings arrive (the daemon); the one-shot commands print
    /// it once at their end instead.
    let logsReminders: Bool

    init(notes: Inbox?, logsReminders: Bool = false) {
        self.notes = notes
        self.logsReminders = logsReminders
    }

    func report(pending: Int) -> Deliverer.Report {
        var report = counter.report
        report.pending = pending
        report.feedback = feedback.withLock { $0 }
        return report
    }
}

/// The batches sent, to tell an aggregator that does not take them: one before batches answers a batch with a lone
/// INVALID receipt (a type it does not take) naming the batch's hash, which matches no submission. From then on this
/// run sends each submission alone; the refused members are resent at their next attempt.
final class Batching: Sendable {
    private let state = Mutex<(sent: Set<Data>, refused: Bool)>(([], false))

    /// Whether the aggregator refused a batch.
    var refused: Bool { state.withLock { $0.refused } }

    /// Notes a batch sent (the last few thousand are kept: a refusal comes within a resend's time).
    func sent(_ batch: Data) {
        let hash = batch.sha256
        state.withLock { state in
            if state.sent.count >= 4_096 { state.sent.removeAll(keepingCapacity: true) }
            state.sent.insert(hash)
        }
    }

    /// Whether `receipt` refuses one of the batches sent as a whole; true only the first time.
    func refuses(_ receipt: Kaoping_V1_Receipt) -> Bool {
        guard receipt.status == .invalid else { return false }
        return state.withLock { state in
            guard !state.refused, state.sent.contains(receipt.envelopeHash) else { return false }
            state.refused = true
            return true
        }
    }
}

/// Counts receipts across the receiving task.
final class ReportCounter: Sendable {
    private let counts = Mutex<Deliverer.Report>(Deliverer.Report())
    /// When the last warning of untrusted answers was given, and how many came since.
    private let untrustedLogged = Mutex<(at: ContinuousClock.Instant?, count: Int)>((nil, 0))

    func delivered() { counts.withLock { $0.delivered += 1 } }

    /// Records a refused handshake; true when it says more than what was recorded — the first, or the first that says
    /// why — for the agent warns then, not at every reconnection.
    func refused(_ failure: HandshakeFailure) -> Bool {
        counts.withLock { counts in
            if let recorded = counts.handshakeRefused, recorded.isDetailed || !failure.isDetailed { return false }
            counts.handshakeRefused = failure
            return true
        }
    }
    func rejected() { counts.withLock { $0.rejected += 1 } }

    /// Counts an answer that could not be trusted; returns how many came since the last warning when it is time for
    /// one (the first, then at most one a minute).
    func untrusted(_ reason: String, at now: ContinuousClock.Instant = .now) -> Int? {
        counts.withLock {
            $0.untrusted += 1
            if $0.untrustedReason == nil { $0.untrustedReason = reason }
        }
        return untrustedLogged.withLock { logged in
            logged.count += 1
            if let last = logged.at, now - last < .seconds(60) { return nil }
            defer { logged = (now, 0) }
            return logged.count
        }
    }
    var report: Deliverer.Report { counts.withLock { $0 } }
}
