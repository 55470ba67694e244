@testable import KaopingCore

/// Builders for the hand-computed cases: submissions that pass every rule unless a test changes a field.
enum Fixtures {
    static let catalog = Catalog.zhongshan2023
    static let campaign = catalog.campaign
    static let months = catalog.hotline.periods

    /// A valid submission of `indicator` for `district`, from its owner, with the evidence the rules ask for.
    static func submission(
        _ indicator: String, _ district: String, _ score: String = "10", worker: String = "", period: String = "",
        submitter: String? = nil, note: String = "", id: String? = nil
    ) -> Submission {
        let owner = catalog.indicator(indicator)?.owner(district: district) ?? "nobody"
        return Submission(
            id: id ?? "s\(UInt64.random(in: 0...UInt64.max))", submitter: submitter ?? owner, campaign: campaign,
            indicator: indicator, district: district, worker: worker, period: period, score: score, respondents: 30,
            keyRespondents: 10, participants: 45, note: note.isEmpty && score != "0" ? "reason" : note)
    }

    /// A valid hotline month with the four rates given in metric order.
    static func hotline(_ district: String, _ period: String, _ rates: [String], id: String? = nil) -> Submission {
        var submission = self.submission("hotline", district, "", period: period, id: id)
        submission.score = ""
        submission.hotline = Dictionary(uniqueKeysWithValues: zip(catalog.hotline.metrics.map(\.id), rates))
        return submission
    }

    static func district(_ number: Int) -> String { number < 10 ? "D0\(number)" : "D\(number)" }

    static let districtIDs = (1...22).map(district)

    /// `perDistrict` workers in every district: W0101, W0102, … for D01.
    static func roster(perDistrict: Int) -> Roster {
        let workers = districtIDs.flatMap { district in
            (1...perDistrict).map { index in
                Worker(
                    id: "W\(district.dropFirst())\(index < 10 ? "0" : "")\(index)", name: "工作者\(index)",
                    district: district)
            }
        }
        return try! Roster(workers: workers, catalog: catalog)
    }

    static func decimal(_ text: String) -> ExactDecimal { try! ExactDecimal.parseSigned(text, maxFractionDigits: 4) }

    /// A complete campaign: every expected cell of `catalog` and `roster`, values drawn from `generator`.
    static func completeCampaign(roster: Roster, generator: inout SplitMix64) -> [Submission] {
        func value(_ maximum: Int) -> String {
            let hundredths = Int(generator.next() % UInt64(maximum * 100 + 1))
            return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
        }
        var submissions: [Submission] = []
        for district in districtIDs {
            for indicator in catalog.districtIndicators where indicator.scope == .district {
                let maximum = Int(indicator.max.integerPart)
                submissions.append(submission(indicator.id, district, value(maximum)))
            }
            for period in months {
                let rates = (0..<4).map { _ in "9\(generator.next() % 10).\(generator.next() % 10)" }
                submissions.append(hotline(district, period, rates))
            }
        }
        for worker in roster.workers {
            for indicator in catalog.workerIndicators {
                submissions.append(submission(indicator.id, worker.district, value(100), worker: worker.id))
            }
        }
        return submissions
    }

    /// Scores `submissions` through a ledger, in order, and returns the standings.
    static func standings(_ submissions: [Submission], roster: Roster = .empty) -> Standings {
        var ledger = Ledger(catalog: catalog, roster: roster)
        for submission in submissions { _ = ledger.submit(submission) }
        return Scoreboard(ledger: ledger).standings(detailed: true)
    }
}

/// A small seeded generator, so that property checks are repeatable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Standings {
    func district(_ id: String) -> DistrictStanding { districts.first { $0.district.id == id }! }
    func worker(_ id: String) -> WorkerStanding { workers.first { $0.worker.id == id }! }
}
