import Foundation
import KaopingAudit
import KaopingCore
import KaopingStore
import KaopingTestSupport
import KaopingWire
import Testing
@testable import KaopingCLI

/// `kaoping audit history` over a log made by hand: which events a filter admits, and what an accepted one shows.
@Suite struct AuditHistoryTests {
    let office = SigningIdentity.generate(for: "city_ops")
    let catalog = Catalog.zhongshan2023

    /// A stored hotline submission for D05's month 2023-03, and its audit entry.
    func accepted(signature: Data? = nil) throws -> (StoredSubmission, AuditEntry) {
        let submission = Submission(
            id: "h1", submitter: "city_ops", campaign: catalog.campaign, indicator: "hotline", district: "D05",
            period: "2023-03",
            hotline: [
                "first_contact_rate": "88.10", "on_time_rate": "96", "resolution_rate": "95.5",
                "satisfaction_rate": "80",
            ])
        var envelope = try SignedEnvelope.decode(
            try SignedEnvelope.seal(
                submission.wire(signedAt: 1_700_000_000_000), type: .submission, campaign: catalog.campaign,
                by: office))
        if let signature { envelope.signature = signature }
        let bytes = try envelope.serializedData()
        let stored = StoredSubmission(
            position: 7, submissionID: "h1", submitter: "city_ops", keyID: office.keyID.rawValue, key: submission.key,
            envelope: bytes, contentHash: envelope.payload.sha256, receipt: Data(), committedAt: 1)
        let entry = AuditEntry(
            event: "accepted", at: 2, submissionID: "h1", submitter: "city_ops",
            keyID: office.keyID.rawValue, subject: submission.key.description, envelopeHash: bytes.sha256)
        return (stored, entry)
    }

    func log(_ entries: [AuditEntry]) -> AuditLog {
        entries.enumerated().map { (Int64($0 + 1), $1, Data()) }
    }

    @Test func aFilterAdmitsTheCellsItNamesByTheirParts() throws {
        let (stored, hotline) = try accepted()
        let worker = AuditEntry(event: "accepted", at: 3, submitter: "leader:D05",
            subject: "worker_leader_review/D05/W0501")
        let revoked = AuditEntry(event: "key_revoked", at: 4, submitter: "operator", subject: "0123abcd")
        let entries = log([hotline, worker, revoked])
        func subjects(_ filter: AuditHistory.Filter) -> [String] {
            AuditHistory.events(log: entries, submissions: [(stored, false)], filter: filter, catalog: catalog,
                keyring: nil).map(\.subject)
        }
        #expect(subjects(.init()) == ["hotline/D05/2023-03", "worker_leader_review/D05/W0501", "0123abcd"])
        #expect(subjects(.init(district: "D05")) == ["hotline/D05/2023-03", "worker_leader_review/D05/W0501"])
        #expect(subjects(.init(workerOrPeriod: "W0501")) == ["worker_leader_review/D05/W0501"])
        #expect(subjects(.init(indicator: "hotline", workerOrPeriod: "2023-03")) == ["hotline/D05/2023-03"])
        #expect(subjects(.init(district: "D5")).isEmpty)
        #expect(subjects(.init(submitter: "operator")) == ["0123abcd"])
    }

    @Test func anAcceptedSubmissionShowsWhatWasSignedAndWhetherItsSignatureVerifies() throws {
        var keyring = Keyring()
        keyring.add(Keyring.Entry(submitter: "city_ops", publicKey: office.publicKey))
        let (stored, entry) = try accepted()
        let event = try #require(
            AuditHistory.events(log: log([entry]), submissions: [(stored, true)], filter: .init(), catalog: catalog,
                keyring: keyring).first)
        #expect(event.value == "先行联系率 88.10, 按时办结率 96, 诉求解决率 95.5, 市民满意率 80")
        #expect(event.signedAt == 1_700_000_000_000 && event.position == 7 && event.voided == true)
        #expect(event.signatureVerified == true)
        #expect(event.envelope == stored.envelope.base64EncodedString())
        let line = AuditHistory.render([event], time: { "t\($0.milliseconds)" })
        #expect(line == "t2  #1  accepted  hotline/D05/2023-03  先行联系率 88.10, 按时办结率 96, 诉求解决率 95.5, 市民满意率 80  "
            + "by city_ops (key \(office.keyID)), signed t1700000000000, signature verified, position 7 (voided "
            + "later), submission h1")

        // A stored envelope whose signature does not verify is said so; one that matches no entry, too.
        let (forged, forgedEntry) = try accepted(signature: Data(repeating: 1, count: 64))
        let bad = AuditHistory.events(log: log([forgedEntry]), submissions: [(forged, false)], filter: .init(),
            catalog: catalog, keyring: keyring)
        #expect(bad.first?.signatureVerified == false)
        #expect(AuditHistory.render(bad, time: String.init).contains(", SIGNATURE DOES NOT VERIFY, position 7"))
        let missing = AuditHistory.events(log: log([forgedEntry]), submissions: [(stored, false)], filter: .init(),
            catalog: catalog, keyring: keyring)
        #expect(missing.first?.position == nil)
        #expect(AuditHistory.render(missing, time: String.init).hasSuffix(
            "NO STORED SUBMISSION MATCHES THIS ENTRY: the store was altered; run `kaoping audit verify`"))
    }

    /// `kaoping audit verify` on a store as the aggregator wrote it, then altered behind its back: a submission with
    /// no audit entry, then a second one standing for the same cell.
    @Test func auditVerifyFindsWhatWasChangedBehindTheAggregatorsBack() async throws {
        let path = try Scratch.path("store.sqlite")
        let (stored, entry) = try accepted()
        let store = try AggregatorStore(path: path)
        try await store.commit([.insert(stored), .audit(entry)])
        let good = try KaopingExecutableTests.run(["audit", "verify", "--store", path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasSuffix(
            "audit chain ok — 1 entries; 1 submissions stored (1 standing, at most one per key; 0 voided), each "
                + "with its audit entry; 0 findings, plans and reviews, each with its audit entry\n"))

        var slipped = stored
        (slipped.position, slipped.submissionID, slipped.envelope) = (8, "h2", stored.envelope + Data([0]))
        slipped.key.period = "2023-04"
        try await store.commit([.insert(slipped)])
        let unaudited = try KaopingExecutableTests.run(["audit", "verify", "--store", path])
        #expect(unaudited.status != 0)
        #expect(unaudited.stderr.contains(
            "submission h2 (position 8) has no 'accepted' audit entry; the store was altered"))

        slipped.key.period = "2023-03"
        (slipped.position, slipped.envelope) = (9, stored.envelope)
        try await store.commit([.insert(slipped)])
        let twice = try KaopingExecutableTests.run(["audit", "verify", "--store", path])
        #expect(
            twice.stderr.contains("two submissions stand for hotline/D05/2023-03 (positions 7, 9)"), "\(twice.stderr)")
    }
}
