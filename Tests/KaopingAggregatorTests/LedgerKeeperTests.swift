import Foundation
import KaopingCore
import KaopingStore
import KaopingTestSupport
import KaopingWire
import Logging
import Synchronization
import Testing
import ZeroMQ
@testable import KaopingAggregator

/// The ledger keeper on its own: batches decided in order, the scoreboard following the ledger.
@Suite struct LedgerKeeperTests {
    @Test func anAcceptanceAndAReopenInOneBatchLeaveTheCellOpen() async throws {
        let fixture = try KeeperFixture()
        let (keeper, store, published) = (fixture.keeper, fixture.store, fixture.published)
        let (envelope, control) = (try fixture.partyBuildingOfD01(), try fixture.reopenOfD01())

        try await keeper.process([
            .ingest(try #require(RoutedRequest(Multipart([Data("agent".utf8), envelope])))),
            .control(try #require(RoutedRequest(Multipart([Data("operator".utf8), control])))),
        ])
        #expect(fixture.replies.all.count == 2)
        var updates = published.stream.makeAsyncIterator()
        let (sequence, next) = try #require(await updates.next())
        let update = try Kaoping_V1_RankingUpdate(serializedBytes: next.encoded())
        #expect(sequence == 1 && update.ledgerPosition == 1)
        // D01 changed within the batch and is listed, as it stands after both: open again.
        #expect(update.districts.map(\.district) == ["D01"])
        #expect(update.districts.first?.total == "0.00")
        #expect(update.districts.first?.indicators["party_building"] == nil)
        let snapshot = try Kaoping_V1_Snapshot(serializedBytes: await keeper.snapshot())
        #expect(snapshot.sequence == 1 && snapshot.epoch == published.epoch && snapshot.ranking.ledgerPosition == 1)
        let d01 = snapshot.ranking.districts.first { $0.district == "D01" }
        #expect(d01?.total == "0.00" && d01?.indicators["party_building"] == nil)
        #expect(try store.standingSubmissions().isEmpty)
    }

    @Test func aDuplicateInTheSameBatchCarriesTheOriginalReceiptSealedInParallel() async throws {
        let fixture = try KeeperFixture()
        let (keeper, store, party, aggregator) = (fixture.keeper, fixture.store, fixture.party, fixture.aggregator)
        // 22 districts and a retry of the first: enough work for the receipts to be sealed on several lanes.
        var batch: [Work] = []
        var first = Data()
        for number in 1...22 {
            let submission = Submission(
                id: "s\(number)", submitter: "party_office", campaign: "zhongshan-2023", indicator: "party_building",
                district: number < 10 ? "D0\(number)" : "D\(number)", score: "10")
            let envelope = try SignedEnvelope.seal(
                submission.wire(signedAt: 1), type: .submission, campaign: "zhongshan-2023", by: party)
            if number == 1 { first = envelope }
            batch.append(.ingest(try #require(RoutedRequest(Multipart([Data("peer".utf8), envelope])))))
        }
        batch.append(.ingest(try #require(RoutedRequest(Multipart([Data("peer".utf8), first])))))
        try await keeper.process(batch)

        let sent = fixture.replies.all
        #expect(sent.count == 23)
        let receipts = try sent.map { message -> Kaoping_V1_Receipt in
            let envelope = try SignedEnvelope.decode(try #require(message.frames.last))
            #expect(SignedEnvelope.verify(envelope, with: aggregator.publicKey))
            return try Kaoping_V1_Receipt(serializedBytes: envelope.payload)
        }
        #expect(receipts.prefix(22).map(\.ledgerPosition) == (1...22).map(UInt64.init))
        #expect(receipts.prefix(22).allSatisfy { $0.status == .accepted })
        let duplicate = try #require(receipts.last)
        #expect(duplicate.status == .duplicate)
        #expect(duplicate.originalReceipt == sent[0].frames.last)
        #expect(try store.receipt(position: 1) == sent[0].frames.last)
    }

    @Test func aRestartRefusesAStoreWhereTwoSubmissionsStandForOneKey() async throws {
        let fixture = try KeeperFixture()
        let envelope = try fixture.partyBuildingOfD01()
        try await fixture.keeper.process([.ingest(try KeeperFixture.routed("agent", envelope))])
        // The store changed behind the aggregator's back: a second row standing for the same cell.
        var copy = try #require(try fixture.store.standingSubmissions().first)
        copy.position = 2
        copy.submissionID = "copied"
        try await fixture.store.commit([.insert(copy)])
        let error = #expect(throws: StoreError.self) { try fixture.restarted() }
        #expect(error?.message.contains("two submissions stand for party_building/D01 (positions 1 and 2)") == true)
        #expect(error?.message.contains("kaoping audit verify") == true)
        // Voided by hand, the store starts again, and the next position is not given twice.
        try await fixture.store.commit([.void(position: 1, reason: "by hand", operator: "operator", at: 2)])
        let keeper = try fixture.restarted()
        let next = try SignedEnvelope.seal(
            Submission(
                id: "b", submitter: "party_office", campaign: "zhongshan-2023", indicator: "party_building",
                district: "D02", score: "11"
            ).wire(signedAt: 1), type: .submission, campaign: "zhongshan-2023", by: fixture.party)
        try await keeper.process([.ingest(try #require(RoutedRequest(Multipart([Data("agent".utf8), next]))))])
        #expect(try fixture.store.standingSubmissions().map(\.position) == [2, 3])
    }

    @Test func aNarrowedStatusListsTheCellsOfTheDistrictsAskedForAndEveryDistrictsCounts() async throws {
        let fixture = try KeeperFixture()
        var asked = Kaoping_V1_StatusRequest()
        asked.districts = ["D05"]
        asked.mostMissing = 2
        var unknown = Kaoping_V1_StatusRequest()
        unknown.districts = ["D05", "D99"]
        try await fixture.keeper.process([
            .ingest(try KeeperFixture.routed("agent", try fixture.partyBuildingOfD01())),
            .control(try KeeperFixture.routed("narrowed", try fixture.status("s1", asked))),
            .control(try KeeperFixture.routed("unknown", try fixture.status("s2", unknown))),
            .control(try KeeperFixture.routed("whole", try fixture.status("s3"))),
        ])
        let deadline = Date().addingTimeInterval(10)
        while fixture.replies.all.count < 4, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        var answers: [String: Kaoping_V1_ControlReply] = [:]
        for message in fixture.replies.all where message.frames.first != Data("agent".utf8) {
            let envelope = try SignedEnvelope.decode(try #require(message.frames.last), limit: Int.max)
            answers[String(decoding: message.frames[0], as: UTF8.self)] = try Kaoping_V1_ControlReply(
                serializedBytes: envelope.payload)
        }
        let narrowed = try #require(answers["narrowed"]?.status)
        let whole = try #require(answers["whole"]?.status)
        // D05, and the two missing the most: every district but D01 misses as many, so the first two of them.
        #expect(Set(narrowed.missing.map(\.district)) == ["D02", "D03", "D05"])
        let expected = whole.missing.filter { ["D02", "D03", "D05"].contains($0.district) }
        #expect(narrowed.missing.map(\.indicator) == expected.map(\.indicator))
        #expect(narrowed.narrowed && !whole.narrowed && !narrowed.hasRanking && whole.hasRanking)
        #expect(narrowed.districts.map(\.district) == Catalog.zhongshan2023.districts.map(\.id))
        #expect(whole.districts.isEmpty)
        let counts = Dictionary(grouping: whole.missing, by: \.district).mapValues(\.count)
        #expect(narrowed.districts.allSatisfy { Int($0.missing) == counts[$0.district] && $0.workers == 0 })
        #expect(narrowed.districts[0].missing + 1 == narrowed.districts[1].missing)
        // What does not depend on the narrowing is the same.
        #expect(narrowed.cellsFilled == 1 && narrowed.cellsExpected == whole.cellsExpected)
        #expect(narrowed.submitters == whole.submitters)
        let refused = try #require(answers["unknown"])
        #expect(!refused.ok && refused.error.contains("district 'D99' is not in zhongshan-2023"))
    }

    @Test func aStatusBeyondTheLimitOfBuildsIsAnsweredAtOnceThatTheAggregatorIsBusy() async throws {
        let fixture = try KeeperFixture(statusBuildLimit: 0)
        try await fixture.keeper.process([
            .control(try #require(RoutedRequest(Multipart([Data("operator".utf8), try fixture.status("s1")])))),
        ])
        // Answered within the batch: nothing was built off the keeper.
        let message = try #require(fixture.replies.all.first)
        let envelope = try SignedEnvelope.decode(try #require(message.frames.last))
        #expect(SignedEnvelope.verify(envelope, with: fixture.aggregator.publicKey))
        let reply = try Kaoping_V1_ControlReply(serializedBytes: envelope.payload)
        #expect(reply.requestID == "s1" && !reply.ok && reply.result == nil)
        #expect(reply.error.contains("already building 0 status replies; ask again in a few seconds"))
    }

    @Test func buildSlotsAreTakenUpToTheLimitAndGivenBack() {
        let slots = BuildSlots(limit: 2)
        #expect(slots.take() && slots.take())
        #expect(!slots.take())
        slots.give()
        #expect(slots.take())
        #expect(!slots.take())
        #expect(!BuildSlots(limit: 0).take())
    }

    @Test func aSubmissionCheckedBeforeItsKeyWasAddedIsVerifiedAgain() async throws {
        let folder = try Scratch.folder("keeper")
        let store = try AggregatorStore(path: folder.appendingPathComponent("store.sqlite").path)
        let aggregator = SigningIdentity.generate(for: "aggregator")
        let party = SigningIdentity.generate(for: "party_office")
        let operatorKey = SigningIdentity.generate(for: "operator")
        let keyringPath = folder.appendingPathComponent("keyring.txt").path
        try Keyring.line(for: operatorKey).write(toFile: keyringPath, atomically: true, encoding: .utf8)
        let replies = Mutex<[Multipart]>([])
        let keeper = try LedgerKeeper(
            catalog: .zhongshan2023, roster: .empty, identity: aggregator, store: store,
            keyring: Keyring(parsing: try String(contentsOfFile: keyringPath, encoding: .utf8)),
            keyringPath: keyringPath, published: PublishedState(epoch: 1),
            replies: ReplySink(
                ingest: { messages in replies.withLock { $0 += messages } },
                control: { message in replies.withLock { $0.append(message) } }),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), clock: SystemClock())
        let envelope = try KeeperFixture.partyBuildingOfD01(by: party)
        let request = try #require(RoutedRequest(Multipart([Data("agent".utf8), envelope])))
        // Checked on arrival, while the key is not yet in the keyring.
        let checked = try #require(await keeper.precheck([request]).first)
        #expect(checked.verified == nil)
        // The operator adds the key and reloads; the submission is decided after the reload.
        try (Keyring.line(for: operatorKey) + "\n" + Keyring.line(for: party))
            .write(toFile: keyringPath, atomically: true, encoding: .utf8)
        var reload = Kaoping_V1_ControlRequest()
        reload.requestID = "reload-1"
        reload.signedAtMs = SystemClock().now.milliseconds
        reload.reloadKeyring = Kaoping_V1_ReloadKeyringRequest()
        let control = try SignedEnvelope.seal(reload, type: .control, campaign: "zhongshan-2023", by: operatorKey)
        // The keyring file is read as the request comes in, off the keeper.
        let reloading = keeper.prepare(control: [try KeeperFixture.routed("operator", control)])
        try await keeper.process(reloading + [.ingest(request, checked)])
        let answer = try #require(replies.withLock { $0.first { $0.frames.first == Data("agent".utf8) } })
        let receipt = try Kaoping_V1_Receipt(
            serializedBytes: try SignedEnvelope.decode(try #require(answer.frames.last)).payload)
        #expect(receipt.status == .accepted)
        // Checked again now, the key is known.
        let again = try #require(await keeper.precheck([request]).first)
        #expect(again.verified?.key.submitter == "party_office" && again.verified?.valid == true)

        // A keyring file that no longer reads is refused in words, and the keyring in force stays.
        try "party_office not-a-key\n".write(toFile: keyringPath, atomically: true, encoding: .utf8)
        reload.requestID = "reload-2"
        let broken = try SignedEnvelope.seal(reload, type: .control, campaign: "zhongshan-2023", by: operatorKey)
        replies.withLock { $0.removeAll() }
        try await keeper.process(keeper.prepare(control: [try KeeperFixture.routed("operator", broken)]))
        let answered = try #require(replies.withLock { $0.first?.frames.last })
        let refusal = try Kaoping_V1_ControlReply(serializedBytes: try SignedEnvelope.decode(answered).payload)
        #expect(!refusal.ok && refusal.error.contains("cannot reload \(keyringPath)"))
        #expect(refusal.error.contains("the old keyring stays in force"))
        let still = try #require(await keeper.precheck([request]).first)
        #expect(still.verified?.key.submitter == "party_office")
    }

    /// When each submitter was last seen is stored once per batch and submitter, from a heartbeat alone too, as the
    /// keeper's clock tells the time.
    @Test func aBatchStoresWhenEachSubmitterWasLastSeen() async throws {
        let fixture = try KeeperFixture()
        let heartbeat: Data = try SignedEnvelope.seal(
            payload: Data(), type: .heartbeat, campaign: "zhongshan-2023", by: fixture.operatorKey
        ).serializedBytes()
        try await fixture.keeper.process([.ingest(try KeeperFixture.routed("operator", heartbeat))])
        let first = try fixture.store.load { _ in }.lastSeen
        #expect(first == ["operator": fixture.clock.now])
        fixture.clock.advance(by: .seconds(90))

        try await fixture.keeper.process([
            .ingest(try KeeperFixture.routed("agent", try fixture.partyBuildingOfD01())),
            .ingest(try KeeperFixture.routed("operator", heartbeat)),
        ])
        let second = try fixture.store.load { _ in }.lastSeen
        #expect(Set(second.keys) == ["operator", "party_office"])
        #expect(second == ["operator": fixture.clock.now, "party_office": fixture.clock.now])
    }

    /// A signed control request is taken within five minutes of the keeper's time either way, so that one copied
    /// off the wire cannot be replayed later; a request signed longer ago, or as if from the future, is refused.
    @Test func aControlRequestIsTakenOnlyWithinFiveMinutesOfItsSigning() async throws {
        let fixture = try KeeperFixture()
        let now = fixture.clock.now
        func answer(_ id: String, signedAt: Timestamp) async throws -> Kaoping_V1_ControlReply {
            let before = fixture.replies.all.count
            try await fixture.keeper.process(
                [.control(try KeeperFixture.routed("operator", try fixture.reopenOfD01(id: id, at: signedAt)))])
            let body = try #require(fixture.replies.all.dropFirst(before).first?.frames.last)
            return try Kaoping_V1_ControlReply(serializedBytes: try SignedEnvelope.decode(body).payload)
        }
        for (id, offset) in [("late", -301), ("early", 301)] {
            let refused = try await answer(id, signedAt: now + .seconds(offset))
            #expect(!refused.ok && refused.error.contains("clock"), "\(id): \(refused.error)")
        }
        for (id, offset) in [("recent", -300), ("ahead", 299)] {
            let taken = try await answer(id, signedAt: now + .seconds(offset))
            // Taken: refused, if at all, for the cell (it is not filled), never for its time.
            #expect(!taken.error.contains("clock"), "\(id): \(taken.error)")
        }
    }

    @Test func aStatusSeesTheBatchUpToItsPlace() async throws {
        let fixture = try KeeperFixture()
        let (keeper, aggregator) = (fixture.keeper, fixture.aggregator)
        func status(_ id: String) throws -> Data { try fixture.status(id) }

        try await keeper.process([
            .ingest(try KeeperFixture.routed("agent", try fixture.partyBuildingOfD01())),
            .control(try KeeperFixture.routed("before", try status("s1"))),
            .control(try KeeperFixture.routed("operator", try fixture.reopenOfD01())),
            .control(try KeeperFixture.routed("after", try status("s2"))),
        ])
        // Status replies are built off the keeper: wait for them.
        let deadline = Date().addingTimeInterval(10)
        while fixture.replies.all.count < 4, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        var answers: [String: Kaoping_V1_ControlReply] = [:]
        for message in fixture.replies.all where message.frames.first != Data("agent".utf8) {
            let envelope = try SignedEnvelope.decode(try #require(message.frames.last), limit: Int.max)
            #expect(SignedEnvelope.verify(envelope, with: aggregator.publicKey))
            answers[String(decoding: message.frames[0], as: UTF8.self)] = try Kaoping_V1_ControlReply(
                serializedBytes: envelope.payload)
        }
        let before = try #require(answers["before"]?.status)
        let after = try #require(answers["after"]?.status)
        #expect(answers["before"]?.requestID == "s1" && answers["after"]?.requestID == "s2")
        #expect(before.cellsFilled == 1 && before.ledgerPosition == 1)
        #expect(!before.missing.contains { $0.indicator == "party_building" && $0.district == "D01" })
        #expect(after.cellsFilled == 0)
        #expect(after.missing.contains { $0.indicator == "party_building" && $0.district == "D01" })
        let owed = { (status: Kaoping_V1_StatusReply) in
            status.submitters.first { $0.submitter == "party_office" }?.owed
        }
        #expect(try #require(owed(after)) == (try #require(owed(before))) + 1)
    }
}

/// A keeper on a fresh store, its keyring holding the party office and the operator; every reply it sends is kept.
final class KeeperFixture: Sendable {
    /// Replies in the order the keeper sent them.
    final class Replies: Sendable {
        private let messages = Mutex<[Multipart]>([])
        var all: [Multipart] { messages.withLock { $0 } }
        func append(_ message: Multipart) { messages.withLock { $0.append(message) } }
        func append(contentsOf batch: [Multipart]) { messages.withLock { $0 += batch } }
        func clear() { messages.withLock { $0.removeAll() } }
    }

    let store: AggregatorStore
    let aggregator = SigningIdentity.generate(for: "aggregator")
    let party = SigningIdentity.generate(for: "party_office")
    let operatorKey = SigningIdentity.generate(for: "operator")
    let published = PublishedState(epoch: 1)
    let replies = Replies()
    let clock = ManualClock()
    let keeper: LedgerKeeper

    init(statusBuildLimit: Int = 2) throws {
        store = try AggregatorStore(path: try Scratch.path("keeper.sqlite"))
        keeper = try Self.keeper(
            store: store, aggregator: aggregator, submitters: [party, operatorKey], published: published,
            replies: replies, clock: clock, statusBuildLimit: statusBuildLimit)
    }

    /// Another keeper on the same store, as the daemon restarted would start.
    func restarted() throws -> LedgerKeeper {
        try Self.keeper(
            store: store, aggregator: aggregator, submitters: [party, operatorKey], published: PublishedState(epoch: 2),
            replies: Replies(), clock: clock)
    }

    private static func keeper(
        store: AggregatorStore, aggregator: SigningIdentity, submitters: [SigningIdentity], published: PublishedState,
        replies: Replies, clock: ManualClock, statusBuildLimit: Int = 2
    ) throws -> LedgerKeeper {
        try LedgerKeeper(
            catalog: .zhongshan2023, roster: .empty, identity: aggregator, store: store,
            keyring: Keyring(submitters.map { .init(submitter: $0.submitter, publicKey: $0.publicKey) }),
            keyringPath: nil, published: published,
            replies: ReplySink(ingest: replies.append(contentsOf:), control: replies.append),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            statusBuildLimit: statusBuildLimit, clock: clock)
    }

    /// `body` as it arrives from `peer` on a ROUTER.
    static func routed(_ peer: String, _ body: Data) throws -> RoutedRequest {
        try #require(RoutedRequest(Multipart([Data(peer.utf8), body])))
    }

    /// An unsigned status request (status needs no signature).
    func status(_ id: String, _ asked: Kaoping_V1_StatusRequest = .init()) throws -> Data {
        var request = Kaoping_V1_ControlRequest()
        request.requestID = id
        request.status = asked
        var unsigned = Kaoping_V1_Envelope()
        unsigned.version = SignedEnvelope.protocolVersion
        unsigned.type = MessageType.control.rawValue
        unsigned.campaign = "zhongshan-2023"
        unsigned.payload = try request.serializedBytes()
        return try unsigned.serializedBytes()
    }

    /// The party office's signed score for party_building in D01.
    func partyBuildingOfD01() throws -> Data { try Self.partyBuildingOfD01(by: party) }

    /// party_office's score of 12 for party_building in D01 (submission id "a"), signed with `party`.
    static func partyBuildingOfD01(by party: SigningIdentity) throws -> Data {
        let submission = Submission(
            id: "a", submitter: "party_office", campaign: "zhongshan-2023", indicator: "party_building",
            district: "D01", score: "12")
        return try SignedEnvelope.seal(
            submission.wire(signedAt: 1), type: .submission, campaign: "zhongshan-2023", by: party)
    }

    /// The operator's signed reopen of that cell, signed `at` (the keeper's time by default).
    func reopenOfD01(id: String = "r1", at: Timestamp? = nil) throws -> Data {
        var reopen = Kaoping_V1_ControlRequest()
        reopen.requestID = id
        reopen.signedAtMs = (at ?? clock.now).milliseconds
        reopen.reopen.indicator = "party_building"
        reopen.reopen.district = "D01"
        reopen.reopen.reason = "wrong file"
        return try SignedEnvelope.seal(reopen, type: .control, campaign: "zhongshan-2023", by: operatorKey)
    }
}
