import Foundation

/// `kaoping score`: applies the rules to submissions read in order, exactly as the aggregator would.
public struct OfflineScorer: Sendable {
    public let catalog: Catalog
    public let roster: Roster

    public init(catalog: Catalog, roster: Roster) {
        self.catalog = catalog
        self.roster = roster
    }

    /// Scores JSON Lines: one submission or reopen a line, numbered from 1; blank lines are skipped but counted;
    /// a leading BOM is ignored; a malformed line is reported, never fatal.
    public func score(jsonLines input: Data) -> ScoreReport {
        var ledger = Ledger(catalog: catalog, roster: roster)
        var rejected: [ScoreReport.RejectedLine] = []
        var duplicates = 0
        for (number, line) in ScoreLine.lines(of: input) {
            let parsed: ScoreLine
            do {
                parsed = try ScoreLine.decode(line)
            } catch {
                rejected.append(.init(line: number, submissionID: ScoreLine.submissionID(in: line), rejection: error))
                continue
            }
            let refusal: Rejection?
            switch parsed {
            case .submission(let submission):
                switch ledger.submit(submission) {
                case .accepted: refusal = nil
                case .duplicate:
                    duplicates += 1
                    refusal = nil
                case .rejected(let rejection): refusal = rejection
                }
            case .reopen(let reopen, _):
                if case .rejected(let rejection) = ledger.reopen(reopen) {
                    refusal = rejection
                } else {
                    refusal = nil
                }
            }
            if let refusal {
                rejected.append(.init(line: number, submissionID: parsed.submissionID, rejection: refusal))
            }
        }
        return ScoreReport(
            standings: Scoreboard(ledger: ledger).standings(detailed: true), rejected: rejected, duplicates: duplicates)
    }
}

/// The result of `kaoping score`: the standings, the lines refused and the number of duplicates.
public struct ScoreReport: Sendable {
    /// A line that was not accepted, with why.
    public struct RejectedLine: Hashable, Sendable {
        public let line: Int
        public let submissionID: String
        public let rejection: Rejection
    }

    public let standings: Standings
    /// In line order.
    public let rejected: [RejectedLine]
    public let duplicates: Int

    /// The JSON object of the `kaoping score` contract (docs/scoring.md), keys sorted, one line.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and booleans cannot fail.
        return try! encoder.encode(Document(self))
    }

    private struct Document: Encodable {
        struct DistrictRow: Encodable {
            let district: String
            let total: String
            let rank: Int
            let grade: String
            let indicators: [String: String]
            let missing: [String]
        }
        struct WorkerRow: Encodable {
            let worker: String
            let district: String
            let total: String
            let rank: Int
            let grade: String
        }
        struct RejectedRow: Encodable {
            let line: Int
            let submission_id: String  // swiftlint:disable:this identifier_name
            let status: String
            let reason: String
        }

        let campaign: String
        let final: Bool
        let districts: [DistrictRow]
        let workers: [WorkerRow]
        let rejected: [RejectedRow]
        let duplicates: Int

        init(_ report: ScoreReport) {
            let standings = report.standings
            campaign = standings.campaign
            final = standings.isFinal
            districts = standings.districts.map {
                DistrictRow(
                    district: $0.district.id, total: $0.total.description, rank: $0.rank, grade: $0.grade.rawValue,
                    indicators: $0.values.mapValues(\.description), missing: $0.missing)
            }
            workers = standings.workers.map {
                WorkerRow(
                    worker: $0.worker.id, district: $0.worker.district, total: $0.total.description, rank: $0.rank,
                    grade: $0.grade.rawValue)
            }
            rejected = report.rejected.map {
                RejectedRow(
                    line: $0.line, submission_id: $0.submissionID, status: $0.rejection.status.rawValue,
                    reason: $0.rejection.reason)
            }
            duplicates = report.duplicates
        }
    }
}
