import Foundation
import KaopingWire
import ZeroMQ

/// Signs a batch's receipts on all cores, a signature being most of the cost of a receipt. The receipts of batch
/// members go to their peer in receipt batches of at most 64 (and about ``receiptBatchBytes``), signed once; every
/// other receipt goes alone: a lone message's, and a DUPLICATE's, which carries the original's receipt inside (so
/// that a receipt batch never holds another). A duplicate of a submission accepted in the same batch is sealed last,
/// once the original's receipt is.
struct ReceiptSealer: Sendable {
    let identity: SigningIdentity
    let campaign: String

    /// About the most bytes of receipts a receipt batch is filled with (a reason may quote what was sent: a
    /// submission's own ids, up to the size of a message), so that a batch stays well within what a client takes
    /// (1 MiB, docs/protocol.md).
    static let receiptBatchBytes = 256 * 1024

    /// What one signature covers: the receipt of one decision, or a receipt batch of several.
    private enum Seal: Sendable {
        case alone(Int)
        case batch([Int])
    }

    /// Seals the receipts of `decisions`, setting each one's proof and receipt batch, and returns the answers in the
    /// order of the requests (a receipt batch where its first entry's request was).
    func seal(_ decisions: inout [Decision]) async -> [Multipart] {
        var seals: [Seal] = []
        var sealOf = [Int](repeating: -1, count: decisions.count)
        var later: [(index: Int, original: Int)] = []
        // Per peer: the receipt batch being filled, and about how many bytes it holds.
        var filling: [Data: (seal: Int, bytes: Int)] = [:]
        // By index, not by element: a decision is large, and a copy of one retains each of its parts.
        for index in decisions.indices {
            guard case .receipt(let receipt, let originalInBatch) = decisions[index].answer else { continue }
            if let originalInBatch {
                later.append((index, originalInBatch))
                continue
            }
            let request = decisions[index].request
            // An accepted finding, plan or review is stored with its own receipt: its receipt goes alone.
            guard request.isMember, receipt.status != .duplicate, receipt.feedbackStep == 0 else {
                sealOf[index] = seals.count
                seals.append(.alone(index))
                continue
            }
            // The fixed fields (hashes, ids, times) take about 200 bytes; the reason is the rest.
            let bytes = 200 + receipt.submissionID.utf8.count + receipt.reason.utf8.count
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
        let receipts = decisions.map(\.receipt)
        let sealer = self
        // Signing with a valid in-memory key and serializing plain messages cannot fail.
        let envelopes = await seals.concurrentMap { seal in
            switch seal {
            case .alone(let index):
                return sealer.seal(receipts[index]!)
            case .batch(let members):
                var batch = Kaoping_V1_ReceiptBatch()
                batch.receipts = members.map { try! receipts[$0]!.serializedBytes() }
                return try! SignedEnvelope.seal(batch, type: .receiptBatch, campaign: campaign, by: identity)
            }
        }
        for (number, seal) in seals.enumerated() {
            switch seal {
            case .alone(let index):
                decisions[index].proof = envelopes[number]
            case .batch(let members):
                let id = members.first { receipts[$0]!.status == .accepted }.map { Int(receipts[$0]!.ledgerPosition) }
                for index in members {
                    decisions[index].proof = envelopes[number]
                    decisions[index].receiptBatch = id
                }
            }
        }
        for (index, original) in later {
            var receipt = receipts[index]!
            receipt.originalReceipt = decisions[original].proof
            decisions[index].proof = seal(receipt)
        }
        var replies: [Multipart] = []
        replies.reserveCapacity(seals.count + later.count)
        var answered = Set<Int>()
        for index in decisions.indices where receipts[index] != nil {
            let seal = sealOf[index]
            guard seal < 0 || answered.insert(seal).inserted else { continue }
            replies.append(decisions[index].request.reply(decisions[index].proof))
        }
        return replies
    }

    func seal(_ receipt: Kaoping_V1_Receipt) -> Data {
        // Signing with a valid in-memory key and serializing a plain message cannot fail.
        try! SignedEnvelope.seal(receipt, type: .receipt, campaign: campaign, by: identity)
    }
}
