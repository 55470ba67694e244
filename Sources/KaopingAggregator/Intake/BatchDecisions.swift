import Foundation
import KaopingCore
import KaopingStore
import KaopingWire
import ZeroMQ

/// What the keeper decided about one request of a batch: its answer and what the store must keep of it, acted on
/// once the batch is committed.
struct Decision: Sendable {
    /// How a request is answered.
    enum Answer: Sendable {
        /// A receipt, sealed with the rest of the batch (``ReceiptSealer``). `originalInBatch`: for a duplicate of a
        /// submission accepted earlier in the same batch, the place of that decision, whose receipt goes inside.
        case receipt(Kaoping_V1_Receipt, originalInBatch: Int?)
        /// A control reply, already sealed.
        case control(Data)
        /// A status request, built from the state it saw once the batch is committed (``StatusReport``).
        case status(StatusReport.Request)
        /// An answer on the ingest endpoint that is not a receipt (a `feedback_list`), already sealed.
        case reply(Data)
    }

    let request: RoutedRequest
    var answer: Answer
    /// An accepted submission, stored with the proof of its receipt once that is sealed.
    var accepted: StoredSubmission?
    /// An accepted finding, plan or review, stored with its receipt once that is sealed.
    var acceptedFeedback: StoredFeedback?
    /// What a control request changes in the store (a void, a revocation), stored before its audit entry.
    var operations: [StoreOperation] = []
    /// Its audit entry; none for what is refused before the key is known.
    var audit: AuditEntry?
    /// The envelope that proves its receipt (its own, or the receipt batch holding it), once sealed.
    var proof = Data()
    /// The id its receipt batch is stored under (the ledger position of the batch's first acceptance); nil when its
    /// receipt went alone or its receipt batch accepted nothing.
    var receiptBatch: Int?

    var receipt: Kaoping_V1_Receipt? {
        if case .receipt(let receipt, _) = answer { return receipt }
        return nil
    }
}

/// A batch being decided: one decision per answered request, in order, and what changes once it is committed.
struct BatchDecisions {
    var decisions: [Decision] = []
    /// What the scoreboard must follow, in the order the ledger decided it (an acceptance and a reopen of the same
    /// key may share a batch).
    var changes: [LedgerKeeper.ScoreboardChange] = []
    /// The place of the decision that accepted each submission of this batch, by ledger position (a duplicate may
    /// refer to it).
    var acceptedAt: [Int: Int] = [:]
    /// The place of the decision that accepted each feedback step of this batch, by step.
    var feedbackAt: [Int: Int] = [:]
    /// Whether a feedback step was accepted: the feed's counts may have changed.
    var feedbackChanged = false
    /// Answers on the ingest endpoint that are not receipts.
    var replies = 0
    /// Control request ids used in this batch; remembered only once the batch is committed.
    var controlRequestIDs: [String] = []
    /// Signs of life and outcomes (submitter, status name) of this batch, counted once it is committed.
    var seen: [String: Timestamp] = [:]
    var outcomes: [(submitter: String, status: String)] = []
    var acceptedCount = 0
    var hasStatusRequests = false
    var controlReplies = 0

    /// Room for a batch of `count` requests, so that none of these grows while the batch is decided.
    init(batch count: Int) {
        decisions.reserveCapacity(count)
        changes.reserveCapacity(count)
        acceptedAt.reserveCapacity(count)
        outcomes.reserveCapacity(count)
    }

    mutating func append(_ decision: Decision) {
        switch decision.answer {
        case .receipt: break
        case .control: controlReplies += 1
        case .status: hasStatusRequests = true
        case .reply: replies += 1
        }
        decisions.append(decision)
    }

    /// The batch's store operations in the order decided, each accepted submission with the proof of its receipt
    /// (a receipt batch stored once, before its first insert), then each submitter seen (once, at its latest time).
    /// Moved out of the decisions, not copied: a batch has hundreds, each with a dozen strings and blobs.
    mutating func takeStoreOperations() -> [StoreOperation] {
        var operations: [StoreOperation] = []
        operations.reserveCapacity(2 * decisions.count + seen.count)
        var storedBatches: Set<Int> = []
        for index in decisions.indices {
            if var stored = decisions[index].accepted.take() {
                if let id = decisions[index].receiptBatch {
                    if storedBatches.insert(id).inserted {
                        operations.append(.receiptBatch(id: id, envelope: decisions[index].proof))
                    }
                    stored.receiptBatch = id
                } else {
                    stored.receipt = decisions[index].proof
                }
                operations.append(.insert(stored))
            }
            if var stored = decisions[index].acceptedFeedback.take() {
                stored.receipt = decisions[index].proof
                operations.append(.feedback(stored))
            }
            if !decisions[index].operations.isEmpty {
                operations.append(contentsOf: decisions[index].operations)
                decisions[index].operations = []
            }
            if let entry = decisions[index].audit.take() { operations.append(.audit(entry)) }
        }
        for (submitter, at) in seen { operations.append(.seen(submitter: submitter, at: at)) }
        return operations
    }
}
