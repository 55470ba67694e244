import Foundation
import KaopingClient
import KaopingCore
import KaopingStore
import KaopingWire
import SwiftProtobuf
import Testing
import ZeroMQ

/// The real `kaoping-aggregator` binary driven over the real wire (ipc:// on this machine).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AggregatorProcessTests {
    @Test func acceptsThenAnswersDuplicatesWithTheOriginalReceipt() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        let submission = Sample.submission("party_building", "D01", "13.5", submitter: "party_office", id: "a")
        let envelope = try harness.seal(submission)

        let first = try #require(try client.deliver(envelope))
        #expect(first.receipt.status == .accepted)
        #expect(first.receipt.submissionID == "a")
        #expect(first.receipt.ledgerPosition == 1)
        #expect(first.receipt.submitter == "party_office")
        #expect(first.receipt.contentHash == (try SignedEnvelope.decode(envelope)).payload.sha256)

        // The same bytes again (an agent's retry): duplicate, carrying the original receipt.
        let again = try #require(try client.deliver(envelope))
        #expect(again.receipt.status == .duplicate)
        #expect(again.receipt.originalReceipt == first.envelope)
        #expect(again.receipt.ledgerPosition == 1)
        #expect(again.receipt.originalSubmissionID == "a")

        // Same content under a new id, "13.50" for "13.5": still a duplicate.
        var retry = submission
        retry.id = "b"
        retry.score = "13.50"
        let third = try #require(try client.deliver(try harness.seal(retry)))
        #expect(third.receipt.status == .duplicate)
        #expect(third.receipt.originalReceipt == first.envelope)
        #expect(harness.stop() == 0)
    }

    @Test func refusesConflictsUnauthorizedAndInvalidWithReasons() throws {
        let harness = try AggregatorHarness(submitters: ["party_office", "safety_office", "leader:D01"])
        try harness.start()
        let client = try harness.ingestClient()
        _ = try client.deliver(try harness.sealed("party_building", "D02", "12", by: "party_office"))

        let conflict = try #require(
            try client.deliver(try harness.sealed("party_building", "D02", "14", by: "party_office")))
        #expect(conflict.receipt.status == .conflict)
        #expect(conflict.receipt.reason.contains("reopen"))

        let unauthorized = try #require(
            try client.deliver(try harness.sealed("party_building", "D03", "12", by: "safety_office")))
        #expect(unauthorized.receipt.status == .unauthorized)

        let invalid = try #require(
            try client.deliver(try harness.sealed("stability", "D03", "10.01", by: "safety_office")))
        #expect(invalid.receipt.status == .invalid)
        #expect(invalid.receipt.reason.contains("between 0 and 10"))

        // A signer claiming another submitter in the payload.
        let impostor = Sample.submission("stability", "D04", "8", submitter: "safety_office")
        let forged = try IngestClient.seal(impostor, as: harness.identities["party_office"]!, signedAt: 1)
        let claimed = try #require(try client.deliver(forged))
        #expect(claimed.receipt.status == .unauthorized)

        // A district head may not submit a department's indicator.
        let leader = try #require(
            try client.deliver(try harness.sealed("party_building", "D01", "12", by: "leader:D01")))
        #expect(leader.receipt.status == .unauthorized)
        harness.stop()
    }

    @Test func refusesBadSignaturesUnknownKeysAndOtherCampaigns() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        let submission = Sample.submission("party_building", "D05", "11", submitter: "party_office")

        var tampered = try SignedEnvelope.decode(try harness.seal(submission))
        tampered.signature[10] ^= 0x01
        let bad = try #require(try client.deliver(try tampered.serializedBytes()))
        #expect(bad.receipt.status == .badSignature)

        var changedPayload = try SignedEnvelope.decode(try harness.seal(submission))
        var wire = try Kaoping_V1_Submission(serializedBytes: changedPayload.payload)
        wire.score = "15"
        changedPayload.payload = try wire.serializedBytes()
        #expect(try #require(try client.deliver(try changedPayload.serializedBytes())).receipt.status == .badSignature)

        // Signed for another campaign: relabelled, the signature fails; as signed, the campaign is refused.
        var otherCampaign = submission
        otherCampaign.campaign = "zhongshan-2024"
        let signedElsewhere = try IngestClient.seal(otherCampaign, as: harness.identities["party_office"]!, signedAt: 1)
        #expect(try #require(try client.deliver(signedElsewhere)).receipt.status == .invalid)
        var relabelled = try SignedEnvelope.decode(signedElsewhere)
        relabelled.campaign = "zhongshan-2023"
        #expect(try #require(try client.deliver(try relabelled.serializedBytes())).receipt.status == .badSignature)

        // Signed as another message type.
        var retyped = try SignedEnvelope.decode(try harness.seal(submission))
        retyped.type = "heartbeat"
        let retypedReceipt = try client.deliver(try retyped.serializedBytes(), timeout: 1_000)
        #expect(retypedReceipt?.receipt.status == .badSignature)

        let stranger = SigningIdentity.generate(for: "party_office")
        let unknown = try #require(try client.deliver(try IngestClient.seal(submission, as: stranger, signedAt: 1)))
        #expect(unknown.receipt.status == .unknownKey)

        // None of these left anything in the ledger.
        let accepted = try #require(try client.deliver(try harness.seal(submission)))
        #expect(accepted.receipt.status == .accepted)
        #expect(accepted.receipt.ledgerPosition == 1)
        harness.stop()
    }

    @Test func keepsServingThroughGarbageAndOversizedFrames() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        try client.sendRaw([Data((0..<200).map { _ in UInt8.random(in: 0...255) })])
        try client.sendRaw([Data(), Data("x".utf8), Data("y".utf8), Data("z".utf8)])
        try client.sendRaw([Data(repeating: 0x41, count: 200_000)])  // over ZMQ_MAXMSGSIZE: libzmq drops the peer
        try client.sendRaw([Data([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])])  // a protobuf length beyond the end
        // Garbage gets no answer at all.
        let answered = try client.receive(timeout: 1_000) != nil
        #expect(!answered)

        let fresh = try harness.ingestClient()
        let receipt = try #require(
            try fresh.deliver(try harness.sealed("party_building", "D06", "9", by: "party_office")))
        #expect(receipt.receipt.status == .accepted)
        #expect(harness.isRunning)
        harness.stop()
    }

    @Test func reqPeersAreServedToo() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let socket = try Socket(context: harness.context, type: .req)
        defer { socket.close(linger: 0) }
        try socket.connect(harness.endpoint("ingest"))
        try socket.send(Multipart([try harness.sealed("party_building", "D07", "10", by: "party_office")]))
        let reply = try #require(try socket.receive(timeout: 5_000))
        #expect(reply.frames.count == 1)
        let receipt = try ReceiptCheck.open(
            reply.frames[0], aggregatorKey: harness.aggregatorEntry, campaign: "zhongshan-2023")
        #expect(receipt.receipt.status == .accepted)
        harness.stop()
    }

    @Test func restartKeepsEverythingAndTheAuditChainVerifies() throws {
        let harness = try AggregatorHarness(submitters: ["party_office", "safety_office"])
        try harness.start()
        var envelopes: [Data] = []
        var receipts: [VerifiedReceipt] = []
        do {
            let client = try harness.ingestClient()
            for number in 1...22 {
                let district = number < 10 ? "D0\(number)" : "D\(number)"
                let envelope = try harness.seal(
                    Sample.submission("party_building", district, "\(number % 15).5", submitter: "party_office"))
                envelopes.append(envelope)
                receipts.append(try #require(try client.deliver(envelope)))
            }
            _ = try client.deliver(try harness.sealed("stability", "D01", "11", by: "safety_office"))
        }
        #expect(receipts.allSatisfy { $0.receipt.status == .accepted })
        #expect(harness.stop(signal: SIGKILL) != 0)

        try harness.start()
        let client = try harness.ingestClient()
        for (envelope, original) in zip(envelopes, receipts) {
            let again = try #require(try client.deliver(envelope))
            #expect(again.receipt.status == .duplicate)
            #expect(again.receipt.originalReceipt == original.envelope)
        }
        let next = try #require(
            try client.deliver(try harness.sealed("stability", "D01", "9", by: "safety_office")))
        #expect(next.receipt.ledgerPosition == 23)
        var request = Kaoping_V1_ControlRequest()
        request.status = Kaoping_V1_StatusRequest()
        let status = try harness.controlClient().call(request, signedBy: nil).status
        #expect(status.cellsFilled == 23)
        #expect(status.rejections["invalid"] == 1)
        // The aggregator's own figures since this start: the duplicates' and the new submission's commits, idle now.
        #expect(status.commits >= 1 && status.lastCommitBatch >= 1 && status.lastCommitUs > 0)
        #expect(status.queueDepth == 0)
        harness.stop()

        let store = try AggregatorStore(path: harness.storePath)
        // 22 + 1 accepted, 1 invalid, 22 duplicates.
        #expect(try store.verifyAuditChain() == 46)
        #expect(try store.standingSubmissions().count == 23)
    }

    @Test func reopenRevokeAndReloadThroughTheControlEndpoint() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        let control = try harness.controlClient()
        let first = Sample.submission("party_building", "D08", "10", submitter: "party_office")
        _ = try client.deliver(try harness.seal(first))

        var reopen = Kaoping_V1_ControlRequest()
        reopen.reopen.indicator = "party_building"
        reopen.reopen.district = "D08"
        reopen.reopen.reason = "党建办 sent the wrong file"
        // Unsigned, or signed by a department: refused.
        #expect(try control.call(reopen, signedBy: nil).ok == false)
        #expect(try control.call(reopen, signedBy: harness.identities["party_office"]).ok == false)
        let reply = try control.call(reopen, signedBy: harness.operatorIdentity)
        #expect(reply.ok, "\(reply.error)")
        #expect(reply.reopen.voidedPosition == 1)
        // The same signed request replayed: refused.
        var replay = reopen
        replay.requestID = "fixed"
        #expect(try control.call(replay, signedBy: harness.operatorIdentity).ok == false)  // nothing standing now
        #expect(try control.call(replay, signedBy: harness.operatorIdentity).error.contains("already used"))

        let corrected = Sample.submission("party_building", "D08", "12", submitter: "party_office")
        #expect(try #require(try client.deliver(try harness.seal(corrected))).receipt.status == .accepted)
        #expect(try #require(try client.deliver(try harness.seal(first))).receipt.status == .conflict)

        // Revocation takes effect at once; what was accepted stands.
        var revoke = Kaoping_V1_ControlRequest()
        revoke.revokeKey.keyID = harness.identities["party_office"]!.keyID.rawValue
        revoke.revokeKey.reason = "laptop lost"
        #expect(try control.call(revoke, signedBy: harness.operatorIdentity).revokeKey.submitter == "party_office")
        let afterRevoke = try #require(
            try client.deliver(try harness.sealed("party_building", "D09", "10", by: "party_office")))
        #expect(afterRevoke.receipt.status == .revoked)

        // A new key, added to the keyring file and reloaded, works.
        _ = try harness.addKey(for: "party_office")
        var reload = Kaoping_V1_ControlRequest()
        reload.reloadKeyring = Kaoping_V1_ReloadKeyringRequest()
        #expect(try control.call(reload, signedBy: harness.operatorIdentity).reloadKeyring.keys == 3)
        let rotated = try #require(
            try client.deliver(try harness.sealed("party_building", "D09", "10", by: "party_office")))
        #expect(rotated.receipt.status == .accepted)

        var status = Kaoping_V1_ControlRequest()
        status.status = Kaoping_V1_StatusRequest()
        let ranking = try control.call(status, signedBy: nil).status.ranking
        #expect(ranking.districts.first { $0.district == "D08" }?.total == "12.00")
        harness.stop()

        let store = try AggregatorStore(path: harness.storePath)
        let events = try store.auditLog().map(\.entry.event)
        #expect(events.contains("reopened") && events.contains("key_revoked") && events.contains("keyring_reloaded"))
        #expect(try store.allSubmissions().filter(\.voided).count == 1)
    }

    @Test func aLateSubscriberGetsTheSnapshotThenLiveUpdatesWithoutGaps() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        for district in ["D01", "D02", "D03"] {
            _ = try client.deliver(try harness.sealed("party_building", district, "10", by: "party_office"))
        }
        let feed = try harness.feedSubscriber()
        guard case .ranking(var start, var snapshot, true) = try #require(try feed.next(timeout: 5_000)) else {
            Issue.record("the first event was not a snapshot")
            return
        }
        // The ranking follows the receipts by a moment: follow the feed until it holds all three.
        let caughtUp = Date().addingTimeInterval(5)
        while snapshot.ledgerPosition < 3, Date() < caughtUp {
            if case .ranking(let sequence, let ranking, _) = try feed.next(timeout: 500) {
                start = sequence
                snapshot = ranking
            }
        }
        #expect(snapshot.districts.filter { $0.total == "10.00" }.count == 3)
        usleep(300_000)  // let the subscription reach the publisher
        var sequences: [UInt64] = []
        var last = snapshot
        for district in ["D04", "D05", "D06", "D07"] {
            _ = try client.deliver(try harness.sealed("party_building", district, "11", by: "party_office"))
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                guard let event = try feed.next(timeout: 1_000) else { continue }
                if case .ranking(let sequence, let ranking, let fromSnapshot) = event {
                    #expect(!fromSnapshot, "a gap forced a resnapshot")
                    sequences.append(sequence)
                    last = ranking
                    break
                }
            }
        }
        #expect(sequences == [start + 1, start + 2, start + 3, start + 4])
        #expect(feed.snapshots == 1)
        #expect(last.districts.prefix(4).map(\.district) == ["D04", "D05", "D06", "D07"])
        // Ranks and grades of rows no update listed were recomputed by the subscriber, as a snapshot has them.
        #expect(last.districts.prefix(8).map(\.rank) == [1, 1, 1, 1, 5, 5, 5, 8])
        #expect(last.districts.prefix(5).map(\.grade) == ["excellent", "excellent", "excellent", "excellent", "good"])
        guard case .ranking(_, var fresh, true) = try feed.resnapshot() else {
            Issue.record("no snapshot")
            return
        }
        fresh.updatedAtMs = last.updatedAtMs
        #expect(fresh == last)
        // A heartbeat arrives within a second or two and carries the current sequence.
        var heartbeat: UInt64?
        let deadline = Date().addingTimeInterval(3)
        while heartbeat == nil, Date() < deadline {
            if case .heartbeat(let sequence) = try feed.next(timeout: 1_500) { heartbeat = sequence }
        }
        #expect(heartbeat == start + 4)
        harness.stop()
    }

    @Test func aSubscriberResnapshotsWhenTheAggregatorRestarts() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        _ = try client.deliver(try harness.sealed("party_building", "D01", "10", by: "party_office"))
        let feed = try harness.feedSubscriber()
        _ = try feed.next(timeout: 5_000)
        _ = harness.stop()
        try harness.start()
        // The restarted aggregator starts its sequence again; its heartbeat carries a new epoch, and the
        // subscriber fetches a snapshot rather than applying the new sequence to the old state.
        let restartedClient = try harness.ingestClient()
        _ = try restartedClient.deliver(
            try harness.sealed("party_building", "D02", "12", by: "party_office"))
        let deadline = Date().addingTimeInterval(8)
        var latest = Kaoping_V1_Ranking()
        while feed.snapshots < 2 || latest.districts.first?.district != "D02", Date() < deadline {
            if case .ranking(_, let ranking, _) = try feed.next(timeout: 1_000) { latest = ranking }
        }
        #expect(feed.snapshots >= 2)
        #expect(latest.districts.prefix(2).map(\.total) == ["12.00", "10.00"])
        harness.stop()
    }

    @Test func sigtermAnswersWhatIsInHandAndLosesNothing() throws {
        let harness = try AggregatorHarness(submitters: ["city_ops"])
        try harness.start()
        var envelopes: [Data] = []
        for number in 1...22 {
            for month in 1...12 {
                var submission = Sample.submission(
                    "hotline", number < 10 ? "D0\(number)" : "D\(number)", "", submitter: "city_ops")
                submission.period = month < 10 ? "2023-0\(month)" : "2023-\(month)"
                submission.hotline = [
                    "first_contact_rate": "\(80 + number % 7)", "on_time_rate": "9\(month % 10)",
                    "resolution_rate": "95", "satisfaction_rate": "8\(number % 10)",
                ]
                envelopes.append(try harness.seal(submission))
            }
        }
        let client = try harness.ingestClient()
        var first: [Data: VerifiedReceipt] = [:]
        // The first few are answered before the shutdown begins; the rest are in flight when SIGTERM arrives.
        for envelope in envelopes.prefix(10) {
            let receipt = try #require(try client.deliver(envelope))
            first[receipt.receipt.envelopeHash] = receipt
        }
        for (index, envelope) in envelopes.dropFirst(10).enumerated() {
            try client.sendRaw([envelope])
            if index == 100 { harness.signal(SIGTERM) }
        }
        while let receipt = try client.receive(timeout: 2_000) {
            first[receipt.receipt.envelopeHash] = receipt
        }
        #expect(harness.waitForExit() == 0)
        #expect(first.count >= 10)
        #expect(first.values.allSatisfy { $0.receipt.status == .accepted })

        try harness.start()
        let again = try harness.ingestClient()
        var positions = Set<UInt64>()
        for envelope in envelopes {
            let receipt = try #require(try again.deliver(envelope))
            if let original = first[envelope.sha256] {
                // Acknowledged before the shutdown: stored, and answered with the same position and receipt.
                #expect(receipt.receipt.status == .duplicate)
                #expect(receipt.receipt.originalReceipt == original.envelope)
            } else {
                #expect(receipt.receipt.status == .accepted || receipt.receipt.status == .duplicate)
            }
            positions.insert(receipt.receipt.ledgerPosition)
        }
        #expect(positions.count == envelopes.count)
        harness.stop()
        let store = try AggregatorStore(path: harness.storePath)
        #expect(try store.standingSubmissions().count == envelopes.count)
        // One "accepted" entry per envelope, plus a "duplicate" for each one acknowledged before the shutdown.
        let audited = try store.verifyAuditChain()
        #expect(
            audited == envelopes.count + first.count, "audit \(audited), acknowledged \(first.count)\n\(harness.log)")
    }

    @Test func startupProblemsAreOneClearLine() throws {
        let harness = try AggregatorHarness(submitters: [])
        let process = Process()
        process.executableURL = AggregatorHarness.binary("kaoping-aggregator")
        process.arguments = ["--store", harness.storePath, "--keyring", "/nonexistent/keyring.txt",
                             "--identity", "/nonexistent/key"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("cannot read the keyring /nonexistent/keyring.txt: no such file; check the path"))
        #expect(!text.contains("Fatal error"))
    }

    /// The ready line comes once SIGTERM is handled: a service manager that stops the daemon as soon as it says it
    /// is ready gets a graceful stop (exit status 0), not a death by the signal.
    @Test func aSigtermRightAfterTheReadyLineIsGraceful() throws {
        let harness = try AggregatorHarness(submitters: [])
        for _ in 0..<5 {
            try harness.start()
            #expect(harness.stop() == 0)
        }
    }

    /// CURVE is the default: an aggregator given no `curve` setting encrypts, says so in its ready line, and a
    /// plaintext client gets no answer; `--no-curve` runs in plaintext on purpose, with a warning.
    @Test func anAggregatorWithNoCurveSettingRefusesAPlaintextClient() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"], curve: true)
        try harness.start(modeOnCommandLine: false)
        #expect(harness.readyLine.withLock { $0 }.contains(" curve=on"))
        let envelope = try harness.sealed("party_building", "D01", "13", by: "party_office")
        let plain = try IngestClient(
            endpoint: harness.endpoint("ingest"), aggregatorKey: harness.aggregatorEntry, campaign: "zhongshan-2023",
            context: harness.context)
        #expect((try? plain.deliver(envelope, timeout: 2_000)) == nil, "a plaintext client was answered")
        #expect(try harness.ingestClient(connectingAs: "party_office").deliver(envelope)?.receipt.status == .accepted)
        #expect(harness.stop() == 0)
        #expect(!harness.log.contains("CURVE is off"))

        let plaintext = try AggregatorHarness(submitters: ["party_office"])
        try plaintext.start()
        #expect(plaintext.readyLine.withLock { $0 }.contains(" curve=off"))
        #expect(plaintext.log.contains("CURVE is off (curve: false): connections are not encrypted"))
        #expect(plaintext.stop() == 0)
    }

    /// A second aggregator on a store in use is refused before it reads it, naming the process that holds it; the
    /// first serves on. Once that one is killed, the store may be taken again.
    /// Starts another aggregator on the harness's store (on endpoints of its own) with `arguments` added, and
    /// waits up to 20 s for it to give up; nil if it ran on (then it is killed), else its exit status and errors.
    static func refusedStart(_ harness: AggregatorHarness, _ arguments: [String] = []) throws
        -> (status: Int32, errors: String)?
    {
        let other = harness.folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = AggregatorHarness.binary("kaoping-aggregator")
        process.arguments = [
            "--store", harness.storePath, "--keyring", harness.keyringPath,
            "--identity", harness.folder.appendingPathComponent("aggregator.key").path,
        ] + ["ingest", "feed", "snapshot", "control"].flatMap { ["--\($0)", "ipc://\(other.path)/\($0)"] }
            + ["--no-curve"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let ended = AggregatorHarness.ended(process, within: 20)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return ended ? (process.terminationStatus, text) : nil
    }

    @Test func aSecondAggregatorOnTheSameStoreIsRefused() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let holder = try #require(harness.processIdentifier)
        let refused = try #require(try Self.refusedStart(harness), "a second aggregator started on the store in use")
        #expect(refused.status != 0)
        #expect(
            refused.errors.contains("is in use by another aggregator (process \(holder)); stop that one first"),
            "\(refused.errors)")
        let receipt = try #require(
            try harness.ingestClient().deliver(try harness.sealed("party_building", "D01", "13", by: "party_office")))
        #expect(receipt.receipt.status == .accepted)
        // The kernel lets go of a killed process's claim.
        harness.stop(signal: SIGKILL)
        try harness.start()
        #expect(harness.processIdentifier != holder)
        let next = try #require(
            try harness.ingestClient().deliver(try harness.sealed("party_building", "D02", "12", by: "party_office")))
        #expect(next.receipt.status == .accepted && next.receipt.ledgerPosition == 2)
        #expect(harness.stop() == 0)
    }

    /// Next year's catalog on this year's store is refused before anything is scored or written, saying what to do;
    /// with this year's catalog the store serves on.
    @Test func aStoreOfOneCampaignIsRefusedToAnotherCampaignsCatalog() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let receipt = try #require(
            try harness.ingestClient().deliver(try harness.sealed("party_building", "D01", "13", by: "party_office")))
        #expect(receipt.receipt.status == .accepted)
        #expect(harness.stop() == 0)
        let base = Catalog.zhongshan2023
        let next = Catalog(
            campaign: "zhongshan-2024", title: base.title, districts: base.districts, submitters: base.submitters,
            operators: base.operators, indicators: base.indicators, hotline: base.hotline,
            districtGrades: base.districtGrades, workerRules: base.workerRules)
        let path = harness.folder.appendingPathComponent("catalog-2024.yaml")
        try Data(CatalogFile.render(next).utf8).write(to: path)
        let refused = try #require(
            try Self.refusedStart(harness, ["--catalog", path.path]), "the 2024 catalog ran on the 2023 store")
        #expect(refused.status != 0)
        #expect(
            refused.errors.contains(
                "holds campaign zhongshan-2023; the catalog is campaign zhongshan-2024. Give zhongshan-2024 a store "
                    + "of its own"), "\(refused.errors)")
        try harness.start()
        #expect(try AggregatorStore(path: harness.storePath).standingSubmissions().count == 1)
        #expect(harness.stop() == 0)
    }

    /// The daemon allocates with jemalloc, with the options of CJemalloc's malloc_conf.c (docs/benchmarks.md,
    /// "Choices the figures rest on"): asked to, jemalloc prints its statistics and options as the process exits,
    /// which glibc's malloc knows nothing of.
    @Test func theDaemonAllocatesWithJemalloc() throws {
        let process = Process()
        process.executableURL = AggregatorHarness.binary("kaoping-aggregator")
        process.arguments = ["--help"]
        process.environment = ["MALLOC_CONF": "stats_print:true"]
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("Begin jemalloc statistics"))
        #expect(text.contains("opt.narenas: 2\n"))
    }
}
