@preconcurrency import Crypto
import Foundation
import KaopingCore
import KaopingStore
import KaopingWire
import SwiftProtobuf

/// `kaoping-bench --profile N`: where the time of a batch goes, component by component, at N and 4N districts —
/// a batch's ranking update should barely grow with the city, a whole ranking (a snapshot) grows with it — the
/// keeper's work after each commit over the benchmark's whole campaign, and the store's commits.
enum Profile {
    static func run(districts: Int) async throws {
        for size in [districts, districts * 4] {
            try ranking(districts: size)
        }
        try campaign(districts: districts)
        try await store(districts: districts)
        let key = SigningIdentity.generate(for: "aggregator")
        var receipt = Kaoping_V1_Receipt()
        receipt.submissionID = "x"
        receipt.contentHash = Data(repeating: 1, count: 32)
        receipt.envelopeHash = Data(repeating: 2, count: 32)
        Bench.say("per submission:")
        try time("1000 receipts sealed (sign + serialize)") {
            for _ in 0..<1000 { _ = try SignedEnvelope.seal(receipt, type: .receipt, campaign: "c", by: key) }
        }
        let input = SignedEnvelope.signingInput(
            version: 1, type: "receipt", campaign: "c", payload: try receipt.serializedBytes())
        try time("  their signatures alone") {
            for _ in 0..<1000 { _ = try key.privateKey.signature(for: input) }
        }
        let sealed = try SignedEnvelope.decode(try SignedEnvelope.seal(receipt, type: .receipt, campaign: "c", by: key))
        time("1000 signatures verified") {
            for _ in 0..<1000 { _ = SignedEnvelope.verify(sealed, with: key.publicKey) }
        }
        var hotline = Kaoping_V1_Submission()
        (hotline.submissionID, hotline.indicator, hotline.period) = ("b123456", "hotline", "2023-07")
        (hotline.submitter, hotline.campaign, hotline.district) = ("city_ops", "city", "D01234")
        for metric in Catalog.zhongshan2023.hotline.metrics { hotline.hotline[metric.id] = "95.25" }
        let payload: Data = try hotline.serializedBytes()
        try time("1000 hotline months decoded (SwiftProtobuf)") {
            for _ in 0..<1000 { _ = try SignedEnvelope.decodePayload(Kaoping_V1_Submission.self, from: payload) }
        }
        try time("  as the aggregator decodes them") {
            for _ in 0..<1000 { _ = try SignedEnvelope.decodeSubmission(payload) }
        }
        time("1000 SHA-256 of 400 bytes") {
            let data = Data(repeating: 7, count: 400)
            for _ in 0..<1000 { _ = data.sha256 }
        }
    }

    /// A scoreboard of `districts` districts with every district indicator and hotline month in, then the cost of
    /// a batch of 64 changed scores (refresh and update, and the feed message) against a whole ranking.
    private static func ranking(districts: Int) throws {
        let catalog = Catalog.city(districts: districts)
        let ids = catalog.districts.map(\.id)
        let roster = try Roster(workers: ids.map { Worker(id: "W\($0)", name: "W", district: $0) }, catalog: catalog)
        var ledger = Ledger(catalog: catalog, roster: roster)
        var counter = 0
        for (index, district) in ids.enumerated() {
            for indicator in catalog.districtIndicators where indicator.scope == .district {
                counter += 1
                _ = ledger.submit(Submission(
                    id: "\(counter)", submitter: indicator.owner(district: district), campaign: catalog.campaign,
                    indicator: indicator.id, district: district, score: "\(index % 5)", respondents: 30,
                    keyRespondents: 10, participants: 45, note: "r"))
            }
            for period in catalog.hotline.periods {
                counter += 1
                _ = ledger.submit(Submission(
                    id: "\(counter)", submitter: "city_ops", campaign: catalog.campaign, indicator: "hotline",
                    district: district, period: period,
                    hotline: Dictionary(
                        uniqueKeysWithValues: catalog.hotline.metrics.map { ($0.id, "\(80 + index % 17)") })))
            }
        }
        var board = Scoreboard(ledger: ledger)
        _ = board.update()
        Bench.say("at \(districts) districts and \(districts) workers (\(counter) submissions):")
        // A batch: 64 districts' stability score changes (between two values, so that every batch moves totals).
        var generator = SystemRandomNumberGenerator()
        var round = 0
        var update = board.update()
        func changeScores() {
            round += 1
            for _ in 0..<64 {
                let district = ids.randomElement(using: &generator)!
                let submission = Submission(
                    id: "p\(round)", submitter: "safety_office", campaign: catalog.campaign, indicator: "stability",
                    district: district, score: round % 2 == 0 ? "9" : "3")
                let value = SubmittedValue.score(ExactDecimal(round % 2 == 0 ? 9 : 3))
                board.apply(AcceptedSubmission(submission: submission, value: value, position: 1))
            }
        }
        time("batch of 64 changes: refresh + update", repeat: 21) {
            changeScores()
            update = board.update()
        }
        var message = Kaoping_V1_RankingUpdate()
        time("  as a message (proto), for comparison", repeat: 21) {
            message = Kaoping_V1_RankingUpdate(update, ledgerPosition: 1, updatedAt: 1, epoch: 1)
        }
        var bytes = Data()
        try time("  its serialization (SwiftProtobuf)", repeat: 21) { bytes = try message.serializedBytes() }
        time("  its encoding, as the feed sends it", repeat: 21) {
            bytes = update.encoded(ledgerPosition: 1, updatedAt: 1, epoch: 1)
        }
        Bench.say(
            "  update size: \(bytes.count / 1024) KiB (\(update.districts.count) districts, "
                + "\(update.workers.count) workers)")
        var standings = board.standings()
        time("whole ranking (snapshot): standings()") { standings = board.standings() }
        var ranking = Kaoping_V1_Ranking()
        time("  Ranking proto") { ranking = Kaoping_V1_Ranking(standings, ledgerPosition: 1, updatedAt: 1) }
        try time("  its serialization") { bytes = try ranking.serializedBytes() }
        Bench.say("  ranking size: \(bytes.count / 1024) KiB")
        // What a subscriber (the web console, `kaoping watch`) does with each update: the whole ranking re-ranked by
        // the protocol's rule, the ranking before it still held (the console's pages read it meanwhile).
        changeScores()
        let next = Kaoping_V1_RankingUpdate(board.update(), ledgerPosition: 2, updatedAt: 2, epoch: 1)
        try time("a subscriber applying the next batch's update", repeat: 101) {
            var applied = ranking
            try applied.apply(next)
        }
    }

    /// The benchmark's campaign (one worker per district) through the ledger (its decisions, validation included, timed
    /// once), then through the scoreboard in batches of 512 as the keeper takes them at full load: per submission, the
    /// scoreboard's part (apply, refresh, update) and the feed's (the update encoded as the feed sends it) — the work
    /// after each commit.
    private static func campaign(districts: Int) throws {
        let catalog = Catalog.city(districts: districts)
        let workers = catalog.districts.map { (id: "W\($0.id)-0", district: $0.id) }
        let roster = try Roster(
            workers: workers.map { Worker(id: $0.id, name: $0.id, district: $0.district) }, catalog: catalog)
        var ledger = Ledger(catalog: catalog, roster: roster)
        let submissions = CityCampaign.submissions(catalog: catalog, workers: workers)
        let deciding = DispatchTime.now()
        let batches = stride(from: 0, to: submissions.count, by: 512).map { start in
            submissions[start..<min(submissions.count, start + 512)].map { submission in
                guard case .accepted(let entry) = ledger.submit(submission) else {
                    preconditionFailure("the campaign's submission \(submission.id) was not accepted")
                }
                return entry
            }
        }
        let decided = Bench.seconds(since: deciding)
        Bench.say("the campaign at \(districts) districts (\(submissions.count) submissions) in batches of 512:")
        Bench.say(String(
            format: "  the ledger's decisions %.2f µs per submission (once)",
            decided * 1e6 / Double(submissions.count)))
        var samples: [(board: Double, feed: Double)] = []
        for _ in 0..<3 {
            var board = Scoreboard(catalog: catalog, roster: roster)
            _ = board.update()
            var (boardSeconds, feedSeconds) = (0.0, 0.0)
            for batch in batches {
                let start = DispatchTime.now()
                for entry in batch { board.apply(entry) }
                let update = board.update()
                boardSeconds += Bench.seconds(since: start)
                let built = DispatchTime.now()
                _ = update.encoded(ledgerPosition: 1, updatedAt: 1, epoch: 1)
                feedSeconds += Bench.seconds(since: built)
            }
            samples.append((boardSeconds, feedSeconds))
        }
        let perSubmission = 1e6 / Double(submissions.count)
        Bench.say(String(
            format: "  scoreboard %.2f µs, feed message %.2f µs per submission (medians of 3)",
            Bench.median(samples.map(\.board)) * perSubmission, Bench.median(samples.map(\.feed)) * perSubmission))
    }

    /// The campaign's first 64 batches of 512 stored as the keeper stores an accepted submission (its row with
    /// envelope and receipt, its audit entry, its submitter seen), with a checkpoint after every third batch (the
    /// daemon takes one every 100 ms, about three batches at full load): the process's CPU time per submission,
    /// the writer's and the checkpointer's threads included.
    private static func store(districts: Int) async throws {
        let catalog = Catalog.city(districts: districts)
        let workers = catalog.districts.map { (id: "W\($0.id)-0", district: $0.id) }
        let submissions = Array(CityCampaign.submissions(catalog: catalog, workers: workers).prefix(64 * 512))
        let signer = SigningIdentity.generate(for: "signer")
        let aggregator = SigningIdentity.generate(for: "aggregator")
        let at: Timestamp = 1_700_000_000_000
        func operations(_ submission: Submission, position: Int) throws -> [StoreOperation] {
            let payload: Data = try submission.wire(signedAt: at).serializedBytes()
            let envelope: Data = try SignedEnvelope.seal(
                payload: payload, type: .submission, campaign: catalog.campaign, by: signer
            ).serializedBytes()
            var receipt = Kaoping_V1_Receipt()
            receipt.submissionID = submission.id
            receipt.status = .accepted
            receipt.contentHash = payload.sha256
            receipt.ledgerPosition = UInt64(position)
            receipt.committedAtMs = at.milliseconds
            receipt.campaign = catalog.campaign
            receipt.submitter = submission.submitter
            receipt.envelopeHash = envelope.sha256
            let stored = StoredSubmission(
                position: position, submissionID: submission.id, submitter: submission.submitter,
                keyID: signer.keyID.rawValue, key: submission.key, envelope: envelope, contentHash: receipt.contentHash,
                receipt: try SignedEnvelope.seal(receipt, type: .receipt, campaign: catalog.campaign, by: aggregator),
                committedAt: at)
            let entry = AuditEntry(
                .accepted, at: at, submissionID: submission.id, submitter: submission.submitter,
                keyID: signer.keyID.rawValue, subject: submission.key.description, envelopeHash: receipt.envelopeHash)
            return [.insert(stored), .audit(entry), .seen(submitter: submission.submitter, at: at)]
        }
        let batches = try stride(from: 0, to: submissions.count, by: 512).map { start in
            try (start..<min(submissions.count, start + 512)).flatMap {
                try operations(submissions[$0], position: $0 + 1)
            }
        }
        let folder = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("kaoping-bench-store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AggregatorStore(path: folder.appendingPathComponent("store.sqlite").path)
        var (commitSeconds, checkpointSeconds) = (0.0, 0.0)
        for (index, batch) in batches.enumerated() {
            let before = Bench.processCPUSeconds
            try await store.commit(batch)
            let committed = Bench.processCPUSeconds
            commitSeconds += committed - before
            if index % 3 == 2 {
                try await store.checkpoint()
                checkpointSeconds += Bench.processCPUSeconds - committed
            }
        }
        let perSubmission = 1e6 / Double(submissions.count)
        Bench.say("the campaign's first \(submissions.count) submissions stored in batches of 512 (CPU time):")
        Bench.say(String(
            format: "  commit %.2f µs, checkpoint %.2f µs per submission", commitSeconds * perSubmission,
            checkpointSeconds * perSubmission))
    }

    private static func time(_ label: String, repeat count: Int = 5, _ body: () throws -> Void) rethrows {
        var samples: [Double] = []
        for _ in 0..<count {
            let start = DispatchTime.now()
            try body()
            samples.append(Bench.seconds(since: start) * 1000)
        }
        let padded = label.padding(toLength: 46, withPad: " ", startingAt: 0)
        Bench.say("  \(padded)" + String(format: "%9.3f ms (median of %d)", Bench.median(samples), count))
    }
}
