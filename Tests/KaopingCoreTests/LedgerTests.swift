import Testing
@testable import KaopingCore

@Suite struct LedgerTests {
    var ledger = Ledger(catalog: .zhongshan2023, roster: Fixtures.roster(perDistrict: 1))

    @Test mutating func firstValidSubmissionIsAccepted() {
        let outcome = ledger.submit(Fixtures.submission("visits", "D01", "13.5", id: "a"))
        guard case .accepted(let entry) = outcome else {
            Issue.record("expected accepted, got \(outcome)")
            return
        }
        #expect(entry.position == 1)
        #expect(entry.value == .score(ExactDecimal(units: 135_000)))
    }

    @Test mutating func sameContentAgainIsADuplicateAnsweredWithTheOriginal() {
        let first = Fixtures.submission("visits", "D01", "13.5", id: "a")
        guard case .accepted(let original) = ledger.submit(first) else {
            Issue.record("not accepted")
            return
        }
        var retry = first
        retry.id = "b"
        retry.score = "13.50"
        #expect(ledger.submit(retry) == .duplicate(of: original))
        #expect(ledger.submit(first) == .duplicate(of: original))
        #expect(ledger.lastPosition == 1)
    }

    @Test mutating func differentContentIsAConflictAndTheAcceptedStands() {
        let first = Fixtures.submission("visits", "D01", "13.5", id: "a")
        _ = ledger.submit(first)
        var changed = first
        changed.id = "b"
        changed.score = "14"
        guard case .rejected(let rejection) = ledger.submit(changed) else {
            Issue.record("a change was not refused")
            return
        }
        #expect(rejection.status == .conflict)
        #expect(ledger.accepted(for: first.key)?.submission == first)
        var otherNote = first
        otherNote.note = "different"
        #expect(ledger.submit(otherNote) == .rejected(Rejection(.conflict, rejection.reason)))
    }

    @Test mutating func aRejectedSubmissionLeavesNoTrace() {
        let bad = Fixtures.submission("visits", "D01", "16", id: "a")
        guard case .rejected(let first) = ledger.submit(bad), case .rejected(let again) = ledger.submit(bad) else {
            Issue.record("a resent invalid submission was not rejected")
            return
        }
        #expect(first.status == .invalid && again.status == .invalid)
        #expect(ledger.accepted(for: bad.key) == nil)
        #expect(ledger.lastPosition == 0)
    }

    @Test mutating func reopensAnywhereLeaveEveryOtherKeyWhereItWas() {
        let districts = ["D01", "D02", "D03", "D04", "D05"]
        let submissions = districts.map { Fixtures.submission("party_building", $0, "12", id: "s-\($0)") }
        for submission in submissions { _ = ledger.submit(submission) }
        // The first, a middle one and the last one (the standing ones are kept in a table the last one fills in).
        for district in ["D01", "D03", "D05"] {
            let key = submissions[districts.firstIndex(of: district)!].key
            guard case .reopened = ledger.reopen(Reopen(key: key, requestedBy: "operator", reason: "fix")) else {
                Issue.record("reopen of \(district) refused")
                return
            }
        }
        #expect(Set(ledger.accepted.map(\.submission.id)) == ["s-D02", "s-D04"])
        for (district, submission) in zip(districts, submissions) {
            let expected = ["D02", "D04"].contains(district) ? submission.id : nil
            #expect(ledger.accepted(for: submission.key)?.submission.id == expected)
        }
        let again = Fixtures.submission("party_building", "D03", "14", id: "again")
        guard case .accepted(let entry) = ledger.submit(again) else {
            Issue.record("the reopened key did not take a new submission")
            return
        }
        #expect(entry.position == 6)
        #expect(ledger.accepted(for: again.key)?.submission.id == "again")
        #expect(ledger.accepted.count == 3)
    }

    @Test mutating func reopenVoidsAndTheNextSubmissionIsAccepted() {
        let first = Fixtures.submission("party_building", "D02", "12", id: "a")
        _ = ledger.submit(first)
        let reopen = Reopen(key: first.key, requestedBy: "operator", reason: "党建办 corrected a typo")
        guard case .reopened(let voided) = ledger.reopen(reopen) else {
            Issue.record("reopen refused")
            return
        }
        #expect(voided.submission == first)
        #expect(ledger.voided.map(\.submission.submission) == [first])
        let corrected = Fixtures.submission("party_building", "D02", "13", id: "b")
        guard case .accepted = ledger.submit(corrected) else {
            Issue.record("the corrected submission was not accepted")
            return
        }
        // A late resend of the voided submission is now a conflict.
        guard case .rejected(let late) = ledger.submit(first) else {
            Issue.record("the voided submission came back")
            return
        }
        #expect(late.status == .conflict)
    }

    @Test func aRebuiltLedgerStandsAsBeforeAndGivesNoPositionTwice() {
        let visits = Fixtures.submission("visits", "D01", "13.5", id: "a")
        let party = Fixtures.submission("party_building", "D02", "12", id: "b")
        var rebuilt = Ledger(catalog: .zhongshan2023, roster: Fixtures.roster(perDistrict: 1))
        // As the store hands them over: the standing ones by position; position 4 was voided, 5 given last.
        let first = AcceptedSubmission(submission: visits, value: .score(ExactDecimal(units: 135_000)), position: 2)
        #expect(rebuilt.restore(first) == nil)
        #expect(rebuilt.restore(
            AcceptedSubmission(submission: party, value: .score(ExactDecimal(units: 120_000)), position: 3)) == nil)
        #expect(rebuilt.lastPosition == 3)
        // A second one for a key, or one that is no cell of the campaign, is refused and changes nothing.
        var again = visits
        again.id = "copy"
        let twice = rebuilt.restore(AcceptedSubmission(submission: again, value: first.value, position: 4))
        #expect(twice?.status == .conflict)
        #expect(twice?.reason == "two submissions stand for visits/D01 (positions 2 and 4)")
        var elsewhere = visits
        elsewhere.district = "D99"
        #expect(rebuilt.restore(AcceptedSubmission(submission: elsewhere, value: first.value, position: 5))?.status
            == .invalid)
        #expect(rebuilt.lastPosition == 3 && rebuilt.accepted.count == 2)
        rebuilt.restore(lastPosition: 5)
        #expect(rebuilt.accepted(for: visits.key)?.position == 2)
        var resent = visits
        resent.id = "c"
        #expect(rebuilt.submit(resent) == .duplicate(of: rebuilt.accepted(for: visits.key)!))
        guard case .accepted(let next) = rebuilt.submit(Fixtures.submission("visits", "D03", "10", id: "d")) else {
            Issue.record("not accepted")
            return
        }
        #expect(next.position == 6)
        // A last position below what was restored changes nothing.
        rebuilt.restore(lastPosition: 1)
        #expect(rebuilt.lastPosition == 6)
    }

    @Test mutating func afterAReopenEvenTheSameContentIsAcceptedAnew() {
        let first = Fixtures.submission("stability", "D02", "8", id: "a")
        _ = ledger.submit(first)
        _ = ledger.reopen(Reopen(key: first.key, requestedBy: "operator", reason: "recheck"))
        guard case .accepted(let entry) = ledger.submit(first) else {
            Issue.record("not accepted after reopen")
            return
        }
        #expect(entry.position == 2)
    }

    @Test mutating func reopenIsRefusedWithoutAnAcceptedSubmissionReasonOrOperator() {
        let key = Fixtures.submission("stability", "D03").key
        #expect(status(ledger.reopen(Reopen(key: key, requestedBy: "operator", reason: "why"))) == .invalid)
        _ = ledger.submit(Fixtures.submission("stability", "D03"))
        #expect(status(ledger.reopen(Reopen(key: key, requestedBy: "operator", reason: " "))) == .invalid)
        #expect(status(ledger.reopen(Reopen(key: key, requestedBy: "safety_office", reason: "why"))) == .unauthorized)
        var unknown = key
        unknown.indicator = "nope"
        #expect(status(ledger.reopen(Reopen(key: unknown, requestedBy: "operator", reason: "why"))) == .invalid)
        #expect(ledger.accepted(for: key) != nil)
    }

    /// An operator who types a worker id in the other case is told the roster's id (the command has no roster).
    @Test mutating func aReopenOfAWorkerTypedInTheOtherCaseNamesTheRostersId() {
        let leader = Fixtures.submission("worker_leader_review", "D01", "90", worker: "W0101")
        _ = ledger.submit(leader)
        var typed = leader.key
        typed.worker = "w0101"
        guard case .rejected(let rejection) = ledger.reopen(Reopen(key: typed, requestedBy: "operator", reason: "why"))
        else {
            Issue.record("a reopen of w0101 was not refused")
            return
        }
        #expect(rejection.reason == "worker 'w0101' is not on the roster; did you mean W0101?")
        #expect(ledger.accepted(for: leader.key) != nil)
    }

    private func status(_ outcome: Ledger.ReopenOutcome) -> Rejection.Status? {
        if case .rejected(let rejection) = outcome { return rejection.status }
        return nil
    }
}

@Suite struct CellIndexTests {
    @Test func numbersEveryExpectedCellInCatalogOrder() {
        let roster = Fixtures.roster(perDistrict: 2)
        let index = CellIndex(catalog: .zhongshan2023, roster: roster)
        let cells = Catalog.zhongshan2023.expectedCells(roster: roster)
        #expect(index.count == cells.count)
        #expect(cells.map { index.number(of: $0.key) } == Array(cells.indices))
    }

    /// A cell's positions are those its key's names have in the catalog and roster (the scoreboard reads them
    /// instead of looking the names up again).
    @Test func locatesEveryExpectedCellByPosition() throws {
        let roster = Fixtures.roster(perDistrict: 2)
        let catalog = Catalog.zhongshan2023
        let index = CellIndex(catalog: catalog, roster: roster)
        for (number, expected) in catalog.expectedCells(roster: roster).enumerated() {
            let key = expected.key
            let cell = try #require(index.cell(of: key))
            #expect(cell.number == number)
            #expect(catalog.indicators[cell.indicator].id == key.indicator)
            #expect(cell.scope == catalog.indicators[cell.indicator].scope)
            #expect(catalog.districts[cell.district].id == key.district)
            #expect(cell.worker.map { roster.workers[$0].id } == (key.worker.isEmpty ? nil : key.worker))
            #expect(cell.month.map { catalog.hotline.periods[$0] } == (key.period.isEmpty ? nil : key.period))
        }
    }

    @Test func aKeyOfNoExpectedCellHasNoNumber() {
        let roster = Fixtures.roster(perDistrict: 2)
        let index = CellIndex(catalog: .zhongshan2023, roster: roster)
        let worker = roster.workers[0]
        let campaign = Catalog.zhongshan2023.campaign
        let keys = [
            SubmissionKey(campaign: "other-2023", indicator: "visits", district: "D01"),
            SubmissionKey(campaign: campaign, indicator: "no_such", district: "D01"),
            SubmissionKey(campaign: campaign, indicator: "visits", district: "D99"),
            SubmissionKey(campaign: campaign, indicator: "visits", district: "D01", period: "2023-03"),
            SubmissionKey(campaign: campaign, indicator: "visits", district: "D01", worker: worker.id),
            SubmissionKey(campaign: campaign, indicator: "hotline", district: "D01"),
            SubmissionKey(campaign: campaign, indicator: "hotline", district: "D01", period: "2023-13"),
            SubmissionKey(campaign: campaign, indicator: "worker_leader_review", district: worker.district),
            SubmissionKey(campaign: campaign, indicator: "worker_leader_review", district: "D22", worker: worker.id),
            SubmissionKey(campaign: campaign, indicator: "worker_leader_review", district: worker.district,
                          worker: "W9999"),
        ]
        #expect(worker.district != "D22")
        #expect(keys.compactMap(index.number(of:)).isEmpty)
        // Their well-formed neighbours do have one.
        #expect(index.number(of: SubmissionKey(campaign: campaign, indicator: "hotline", district: "D01",
                                               period: "2023-03")) != nil)
        #expect(index.number(of: SubmissionKey(campaign: campaign, indicator: "worker_leader_review",
                                               district: worker.district, worker: worker.id)) != nil)
    }
}

@Suite struct SubmissionKeyTests {
    /// How a key is written in refusals and in the audit log's subject: its non-empty names joined by "/".
    @Test func aKeyIsWrittenAsItsNamesJoinedBySlashes() {
        let keys: [(SubmissionKey, String)] = [
            (SubmissionKey(campaign: "c", indicator: "visits", district: "D01"), "visits/D01"),
            (
                SubmissionKey(campaign: "c", indicator: "hotline", district: "D01", period: "2023-03"),
                "hotline/D01/2023-03"
            ),
            (
                SubmissionKey(campaign: "c", indicator: "worker_leader_review", district: "D01", worker: "W0101"),
                "worker_leader_review/D01/W0101"
            ),
            (SubmissionKey(campaign: "c", indicator: "", district: "D01", worker: "W1", period: "p"), "D01/W1/p"),
            (SubmissionKey(campaign: "c", indicator: "", district: ""), ""),
        ]
        for (key, written) in keys { #expect(key.description == written) }
    }
}
