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

/// When a commit fails (full disk, I/O error), nothing is acknowledged and nothing changes; the same submission is
/// accepted once the store works again.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct StorageFaultTests {
    @Test func aFailedCommitSendsNoReceiptAndChangesNothing() async throws {
        let path = try Scratch.path("fault.sqlite")
        let failing = Atomic<Bool>(true)
        let store = try AggregatorStore(path: path) {
            if failing.load(ordering: .relaxed) { throw StoreError("injected: disk full") }
        }
        let replies = Mutex<[Multipart]>([])
        let (keeper, request) = try Self.keeperWithScoreOfD01(
            store: store, replies: { messages in replies.withLock { $0 += messages } })

        try await keeper.process([.ingest(request)])
        #expect(replies.withLock { $0.isEmpty })
        #expect(try store.standingSubmissions().isEmpty)
        #expect(try store.auditLog().isEmpty)
        // The scoreboard followed the batch while the commit ran; it is back to what is committed and published.
        func d01() async throws -> (sequence: UInt64, total: String?) {
            let snapshot = try Kaoping_V1_Snapshot(serializedBytes: await keeper.snapshot())
            return (snapshot.sequence, snapshot.ranking.districts.first { $0.district == "D01" }?.total)
        }
        #expect(try await d01() == (0, "0.00"))

        try await keeper.process([.ingest(request)])  // the agent's resend, still failing
        #expect(replies.withLock { $0.isEmpty })

        failing.store(false, ordering: .relaxed)
        try await keeper.process([.ingest(request)])  // space is back
        #expect(try await d01() == (1, "12.00"))
        let sent = replies.withLock { $0 }
        #expect(sent.count == 1)
        let envelope = try SignedEnvelope.decode(try #require(sent.first?.frames.last))
        let receipt = try Kaoping_V1_Receipt(serializedBytes: envelope.payload)
        #expect(receipt.status == .accepted)
        #expect(receipt.ledgerPosition == 1)
        #expect(try store.standingSubmissions().map(\.submissionID) == ["a"])
        #expect(try store.verifyAuditChain() == 1)
    }

    /// The scoreboard follows a batch while the writer commits it: a snapshot asked meanwhile must still show a
    /// ranking and a sequence that belong together (what was published, or what is about to be).
    @Test func aSnapshotAskedDuringACommitMatchesItsSequence() async throws {
        let (entered, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let blocking = Atomic<Bool>(false)
        let store = try AggregatorStore(path: try Scratch.path("blocked.sqlite")) {
            guard blocking.load(ordering: .relaxed) else { return }
            entered.signal()
            release.wait()
        }
        let (keeper, request) = try Self.keeperWithScoreOfD01(store: store, replies: { _ in })

        blocking.store(true, ordering: .relaxed)
        async let processed: Void = keeper.process([.ingest(request)])
        await withCheckedContinuation { done in DispatchQueue.global().async { entered.wait(); done.resume() } }
        // The commit is under way and held; the snapshot is asked now, and the commit let go a little later.
        let snapshot = Task { try Kaoping_V1_Snapshot(serializedBytes: await keeper.snapshot()) }
        try await Task.sleep(for: .milliseconds(200))
        blocking.store(false, ordering: .relaxed)
        release.signal()
        try await processed
        let seen = try await snapshot.value
        let total = seen.ranking.districts.first { $0.district == "D01" }?.total
        #expect((seen.sequence == 0 && total == "0.00") || (seen.sequence == 1 && total == "12.00"))
    }

    /// A keeper on `store` that knows party_office, and party_office's score of 12 for party_building in D01.
    private static func keeperWithScoreOfD01(
        store: AggregatorStore, replies: @escaping @Sendable ([Multipart]) -> Void
    ) throws -> (LedgerKeeper, RoutedRequest) {
        let submitter = SigningIdentity.generate(for: "party_office")
        let keeper = try LedgerKeeper(
            catalog: .zhongshan2023, roster: .empty, identity: .generate(for: "aggregator"), store: store,
            keyring: Keyring([.init(submitter: "party_office", publicKey: submitter.publicKey)]), keyringPath: nil,
            published: PublishedState(epoch: 1), replies: ReplySink(ingest: replies, control: { _ in }),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), clock: ManualClock())
        let envelope = try KeeperFixture.partyBuildingOfD01(by: submitter)
        return (keeper, try #require(RoutedRequest(Multipart([Data("peer".utf8), envelope]))))
    }

    @Test func theAgentKeepsRetryingUntilTheDiskIsBack() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        let fault = harness.folder.appendingPathComponent("disk-full")
        try #require(FileManager.default.createFile(atPath: fault.path, contents: nil))
        try harness.start(environment: ["KAOPING_FAULT_FILE": fault.path])
        let config = try AgentProcessTests.agentConfiguration(harness, submitter: "party_office")
        for district in ["D01", "D02", "D03"] { try AgentProcessTests.queue(config, district, "10") }
        let agent = try AgentProcessTests.startAgent(config)
        defer {
            kill(agent.processIdentifier, SIGTERM)
            agent.waitUntilExit()
        }
        let outbox = try Outbox(path: harness.folder.appendingPathComponent("outbox-party_office.sqlite").path)
        Thread.sleep(forTimeInterval: 2)
        #expect(try outbox.counts()[.pending] == 3)
        #expect(try outbox.items().allSatisfy { $0.attempts >= 2 })
        #expect(harness.log.contains("commit failed"))
        #expect(harness.isRunning)

        try FileManager.default.removeItem(at: fault)
        let deadline = Date().addingTimeInterval(15)
        while (try outbox.counts()[.pending] ?? 0) > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        #expect(try outbox.counts() == [.delivered: 3])
        harness.stop()
        let store = try AggregatorStore(path: harness.storePath)
        #expect(try store.standingSubmissions().map(\.position) == [1, 2, 3])
        #expect(try store.verifyAuditChain() >= 3)
    }
}
