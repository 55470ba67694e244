import Testing
@testable import KaopingCore

/// Invariants of the rules, checked over seeded random campaigns.
@Suite struct PropertyTests {
    typealias F = Fixtures

    private func campaign(seed: UInt64, keep share: UInt64) -> (Roster, [Submission]) {
        var generator = SplitMix64(seed: seed)
        let roster = F.roster(perDistrict: Int(generator.next() % 4) + 1)
        let all = F.completeCampaign(roster: roster, generator: &generator)
        return (roster, all.filter { _ in generator.next() % 100 < share })
    }

    @Test(arguments: [(1, 100), (2, 70), (3, 30), (4, 95)] as [(UInt64, UInt64)])
    func standingsDoNotDependOnTheOrderOfSubmissions(seed: UInt64, share: UInt64) {
        let (roster, submissions) = campaign(seed: seed, keep: share)
        let expected = F.standings(submissions, roster: roster)
        var generator = SplitMix64(seed: seed &* 31)
        for _ in 0..<5 {
            #expect(F.standings(submissions.shuffled(using: &generator), roster: roster) == expected)
        }
    }

    @Test(arguments: [11, 12] as [UInt64])
    func resendingAnyAcceptedSubmissionChangesNothing(seed: UInt64) {
        let (roster, submissions) = campaign(seed: seed, keep: 60)
        var ledger = Ledger(catalog: F.catalog, roster: roster)
        for submission in submissions { _ = ledger.submit(submission) }
        let before = Scoreboard(ledger: ledger).standings()
        for submission in submissions {
            var resent = submission
            resent.id = "retry-\(submission.id)"
            guard case .duplicate(let original) = ledger.submit(resent) else {
                Issue.record("resending \(submission.key) was not a duplicate")
                return
            }
            #expect(original.submission == submission)
        }
        #expect(Scoreboard(ledger: ledger).standings() == before)
        #expect(ledger.lastPosition == submissions.count)
    }

    @Test(arguments: [21, 22, 23] as [UInt64])
    func distinctTotalsFillTheQuotasExactly(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        var hundredths = Set<Int>()
        while hundredths.count < 22 { hundredths.insert(Int(generator.next() % 1_501)) }
        let submissions = zip(F.districtIDs, hundredths).map { district, value in
            F.submission("serving_masses", district, "\(value / 100).\(value % 100 < 10 ? "0" : "")\(value % 100)")
        }
        let standings = F.standings(submissions)
        #expect(standings.districts.filter { $0.grade == .excellent }.count == 4)
        #expect(standings.districts.filter { $0.grade == .ordinary }.count == 4)
        #expect(standings.districts.map(\.rank) == Array(1...22))
    }

    @Test(arguments: [31, 32] as [UInt64])
    func incrementalBookkeepingAgreesWithRecomputation(seed: UInt64) {
        let (roster, submissions) = campaign(seed: seed, keep: 85)
        var ledger = Ledger(catalog: F.catalog, roster: roster)
        var board = Scoreboard(catalog: F.catalog, roster: roster)
        var generator = SplitMix64(seed: seed)
        for (index, submission) in submissions.enumerated() {
            if case .accepted(let entry) = ledger.submit(submission) { board.apply(entry) }
            if index % 97 == 0 {
                board.refresh()  // as the aggregator does after each batch
                #expect(board.standings() == Scoreboard(ledger: ledger).standings())
            }
            if generator.next() % 50 == 0 {
                _ = ledger.reopen(Reopen(key: submission.key, requestedBy: "operator", reason: "check"))
                board.void(submission.key)
            }
        }
        board.refresh()
        let fresh = Scoreboard(ledger: ledger)
        #expect(board.standings() == fresh.standings())
        let listed = fresh.standings(detailed: true)
        #expect(listed.completeness.missing.count == listed.completeness.missingCount)
        // The completeness lists every expected cell the ledger holds no submission for, and each district row its
        // own of them, by name, in catalog order.
        let standing = Set(ledger.accepted.map(\.submission.key))
        let open = F.catalog.expectedCells(roster: roster).filter { !standing.contains($0.key) }
        #expect(listed.completeness.missing == open)
        for row in board.standings().districts {
            let cells = open.map(\.key).filter { $0.district == row.district.id && $0.worker.isEmpty }
            #expect(row.missing == cells.map { $0.period.isEmpty ? $0.indicator : "\($0.indicator):\($0.period)" })
        }
        #expect(Dictionary(grouping: listed.completeness.missing, by: \.owner).mapValues(\.count)
            == Dictionary(uniqueKeysWithValues: listed.completeness.missingByOwner.map { ($0.owner, $0.count) }))
    }

    /// A feed subscriber's view: start from the standings, then apply each update by the protocol's rule — replace
    /// the rows it lists, rank every row by 1 + the number of higher totals, grade it by the update's boundaries.
    @Test(arguments: [41, 42, 43] as [UInt64])
    func updatesAppliedByTheFeedRuleReproduceTheStandings(seed: UInt64) {
        let (roster, submissions) = campaign(seed: seed, keep: 90)
        var ledger = Ledger(catalog: F.catalog, roster: roster)
        var board = Scoreboard(catalog: F.catalog, roster: roster)
        let start = board.standings()
        _ = board.update()
        var districts = Dictionary(uniqueKeysWithValues: start.districts.map { ($0.district.id, $0) })
        var workers = Dictionary(uniqueKeysWithValues: start.workers.map { ($0.worker.id, $0) })
        var owed = Dictionary(uniqueKeysWithValues: start.completeness.missingByOwner.map { ($0.owner, $0.count) })
        var generator = SplitMix64(seed: seed)
        var updates = 0
        for (index, submission) in submissions.enumerated() {
            if case .accepted(let entry) = ledger.submit(submission) { board.apply(entry) }
            if generator.next() % 40 == 0 {
                _ = ledger.reopen(Reopen(key: submission.key, requestedBy: "operator", reason: "check"))
                board.void(submission.key)
            }
            guard index % 23 == 0 || index == submissions.count - 1 else { continue }
            let update = board.update()
            updates += 1
            for row in update.districts { districts[row.district.id] = row }
            for row in update.workers { workers[row.worker.id] = row }
            for entry in update.owed { owed[entry.owner] = entry.count == 0 ? nil : entry.count }
            let districtTotals = districts.values.map(\.total)
            let workerTotals = workers.values.map(\.total)
            let expected = Scoreboard(ledger: ledger).standings()
            for row in expected.districts {
                let mine = districts[row.district.id]!
                #expect(mine.total == row.total && mine.values == row.values && mine.missing == row.missing)
                #expect(districtTotals.filter { $0 > mine.total }.count + 1 == row.rank)
                #expect(update.districtGrades.grade(of: mine.total) == row.grade)
            }
            for row in expected.workers {
                let mine = workers[row.worker.id]!
                #expect(mine.total == row.total && mine.values == row.values)
                #expect(workerTotals.filter { $0 > mine.total }.count + 1 == row.rank)
                #expect(update.workerGrades.grade(of: mine.total) == row.grade)
            }
            let expectedOwed = expected.completeness.missingByOwner.map { ($0.owner, $0.count) }
            #expect(owed == Dictionary(uniqueKeysWithValues: expectedOwed))
            #expect(update.filled == expected.completeness.filled && update.isFinal == expected.isFinal)
        }
        #expect(updates > 5)
        #expect(board.update().isEmpty)
    }

    @Test func reopeningAndResubmittingTheSameValueRestoresTheStandings() {
        let (roster, submissions) = campaign(seed: 5, keep: 100)
        var ledger = Ledger(catalog: F.catalog, roster: roster)
        for submission in submissions { _ = ledger.submit(submission) }
        let before = Scoreboard(ledger: ledger).standings(detailed: true)
        var board = Scoreboard(ledger: ledger)
        let target = submissions[17]
        _ = ledger.reopen(Reopen(key: target.key, requestedBy: "operator", reason: "check"))
        board.void(target.key)
        #expect(board.standings(detailed: true) != before)
        #expect(board.standings(detailed: true) == Scoreboard(ledger: ledger).standings(detailed: true))
        guard case .accepted(let entry) = ledger.submit(target) else {
            Issue.record("resubmission after reopen refused")
            return
        }
        board.apply(entry)
        #expect(board.standings(detailed: true) == before)
    }
}
