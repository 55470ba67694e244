import Foundation
import KaopingCore
import KaopingStore
import KaopingWire

/// The answer to a status request: completeness, who owes what, when each submitter was last seen, rejection counts
/// and, unless narrowed, the ranking.
enum StatusReport {
    /// What a status request saw: the ledger at its place in the batch — the scoreboard of the last batch and the
    /// changes of its own batch that came before it — and the last-seen times and outcome counts of the last
    /// committed batch. Copies on write: taking them costs next to nothing, and the keeper's next changes copy only
    /// what they change of the scoreboard's rows (a city's ledger, copied instead, was a hundred thousand entries).
    struct Request: Sendable {
        let requestID: String
        /// Narrowed to these districts' missing cells and the `mostMissing` districts missing the most; every
        /// missing cell and the ranking when neither is set.
        let districts: Set<String>
        let mostMissing: Int
        /// How many of its batch's scoreboard changes came before it.
        let changesBefore: Int
        let ledgerPosition: Int
        let lastSeen: [String: Timestamp]
        let outcomes: [String: [String: Int]]
        let at: Timestamp

        init(
            _ requestID: String, _ asked: Kaoping_V1_StatusRequest, _ state: LedgerKeeper.State, changesBefore: Int,
            at: Timestamp
        ) {
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

    /// Completeness, who owes what, when each submitter was last seen, and rejection counts.
    static func reply(
        to request: Request, board: Scoreboard, catalog: Catalog, feedSequence: UInt64
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
            row.lastSeenMs = request.lastSeen[id]?.milliseconds ?? 0
            let outcomes = request.outcomes[id] ?? [:]
            row.accepted = UInt32(outcomes[AuditEvent.accepted.rawValue] ?? 0)
            row.rejected = UInt32(outcomes.filter { AuditEvent.isRefusal($0.key) }.values.reduce(0, +))
            row.owed = UInt32(owed[id] ?? 0)
            return row
        }
        var rejections: [String: UInt32] = [:]
        for (_, events) in request.outcomes {
            for (event, count) in events where AuditEvent.isRefusal(event) {
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

extension LedgerKeeper {
    /// Builds, seals and sends a status reply off the keeper: for a city it lists a hundred thousand cells and takes
    /// a good part of a second, which batches would otherwise wait for. Replies to later requests may overtake it
    /// (they carry their request ids); one still being built at shutdown is not sent (it changes nothing: ask again).
    /// At most `statusBuildLimit` are built at once; a request beyond them is answered at once that the aggregator
    /// is busy. `batch`: the scoreboard changes of the request's batch, which the keeper's scoreboard does not follow
    /// yet.
    func answer(_ request: StatusReport.Request, to peer: RoutedRequest, batch: [ScoreboardChange]) {
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
        let figures = (queue: queue?.count ?? 0, lastCommit: lastCommit, commits: commits)
        let feedback = publishedFeedback
        Task.detached {
            defer { slots.give() }
            var board = board
            for change in before { change.follow(on: &board) }
            var reply = Kaoping_V1_ControlReply()
            reply.requestID = request.requestID
            reply.ok = true
            reply.status = StatusReport.reply(to: request, board: board, catalog: catalog, feedSequence: sequence)
            reply.status.queueDepth = UInt32(clamping: figures.queue)
            reply.status.lastCommitUs = UInt64(max(0, figures.lastCommit.duration / .microseconds(1)))
            reply.status.lastCommitBatch = UInt32(clamping: figures.lastCommit.batch)
            reply.status.commits = figures.commits
            reply.status.feedback = feedback
            // Signing with a valid in-memory key and serializing a plain message cannot fail.
            let sealed = try! SignedEnvelope.seal(reply, type: .controlReply, campaign: catalog.campaign, by: identity)
            replies.control(peer.reply(sealed))
        }
    }
}
