import Foundation
import KaopingCore
import KaopingStore
import KaopingTestSupport
import KaopingWire
import Testing
@testable import KaopingWeb

/// A district's record as the console reads it from a store the aggregator writes meanwhile: its own rows only
/// (a district's, its workers' and its hotline months'), and what was committed since the last read.
@Suite struct StoreRecordsTests {
    let office = SigningIdentity.generate(for: "party_office")
    let catalog = Catalog.zhongshan2023

    /// A submission stored at `position` and its audit entry, as the aggregator commits an accepted one.
    func accepted(
        _ id: String, at position: Int, district: String, indicator: String = "party_building", worker: String = ""
    ) throws -> [StoreOperation] {
        let submission = Submission(
            id: id, submitter: office.submitter, campaign: catalog.campaign, indicator: indicator, district: district,
            worker: worker, score: "12")
        let envelope = try SignedEnvelope.seal(
            submission.wire(signedAt: 1_700_000_000_000), type: .submission, campaign: catalog.campaign, by: office)
        let stored = StoredSubmission(
            position: position, submissionID: id, submitter: office.submitter, keyID: office.keyID.rawValue,
            key: submission.key, envelope: envelope, contentHash: Data(), receipt: Data(),
            committedAt: Timestamp(milliseconds: Int64(position)))
        let entry = AuditEntry(
            .accepted, at: Timestamp(milliseconds: Int64(position)), submissionID: id, submitter: office.submitter,
            keyID: office.keyID.rawValue, subject: submission.key.description, envelopeHash: envelope.sha256)
        return [.insert(stored), .audit(entry)]
    }

    func key(_ district: String) -> SubmissionKey {
        SubmissionKey(campaign: catalog.campaign, indicator: "party_building", district: district)
    }

    @Test func aDistrictsRecordHoldsItsOwnRowsAndWhatWasCommittedSince() async throws {
        let path = try Scratch.path("store.sqlite")
        let store = try AggregatorStore(path: path)
        try await store.commit(
            try accepted("a", at: 1, district: "D05") + accepted("b", at: 2, district: "D06")
                + accepted("w", at: 3, district: "D05", indicator: "worker_leader_review", worker: "W0501"))
        let records = try StoreRecords(path: path, catalog: catalog, keyring: nil)
        let first = try records.record(of: "D05")
        #expect(first.history.map(\.submissionID) == ["a", "w"])
        #expect(first.cell(key("D05"))?.submissionID == "a")
        #expect(first.verifiedEntries == 3)

        // Committed after that read: D05's cell reopened and sent again, and a cell of D06.
        let reopened = AuditEntry(.reopened, at: 4, submitter: "operator", subject: key("D05").description)
        try await store.commit(
            [.void(position: 1, reason: "typo", operator: "operator", at: 4), .audit(reopened)]
                + accepted("c", at: 4, district: "D05") + accepted("d", at: 5, district: "D06", indicator: "bonus"))
        let second = try records.record(of: "D05")
        #expect(second.history.map(\.event) == ["accepted", "accepted", "reopened", "accepted"])
        #expect(second.history.map(\.submissionID) == ["a", "w", "", "c"])
        #expect(second.history.first?.voided == true)
        #expect(second.cell(key("D05"))?.submissionID == "c")
        #expect(second.verifiedEntries == 6)
        #expect(try records.record(of: "D06").history.map(\.submissionID) == ["b", "d"])
        #expect(try records.record(of: "D0").history.isEmpty)

        // A console's follower reading ahead leaves the record the same.
        try records.catchUp()
        #expect(try records.record(of: "D05").history.map(\.submissionID) == ["a", "w", "", "c"])
    }
}
