@preconcurrency import Crypto
import Foundation
import KaopingCore
import KaopingWire
import SwiftProtobuf

/// `kaoping-bench --profile N`: where the time of a batch goes, component by component, at N districts.
enum Profile {
    static func run(districts: Int) throws {
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
                    hotline: Dictionary(uniqueKeysWithValues: catalog.hotline.metrics.map { ($0.id, "\(80 + index % 17)") })))
            }
        }
        var board = Scoreboard(ledger: ledger)
        board.refresh()
        func time(_ label: String, repeat count: Int = 5, _ body: () throws -> Void) rethrows {
            var samples: [Double] = []
            for _ in 0..<count {
                let start = DispatchTime.now()
                try body()
                samples.append(Bench.seconds(since: start) * 1000)
            }
            Bench.say(String(format: "  %-44@ %8.2f ms (median of %d)", label as NSString, Bench.median(samples), count))
        }
        Bench.say("profile at \(districts) districts, \(counter) submissions:")
        var standings = board.standings()
        time("standings()") { standings = board.standings() }
        var ranking = Kaoping_V1_Ranking()
        time("Ranking proto from standings") { ranking = Kaoping_V1_Ranking(standings, ledgerPosition: 1, updatedAt: 1) }
        var bytes = Data()
        try time("Ranking serialization") { bytes = try ranking.serializedBytes() }
        Bench.say("  ranking size: \(bytes.count / 1024) KiB")
        let key = SigningIdentity.generate(for: "aggregator")
        var receipt = Kaoping_V1_Receipt()
        receipt.submissionID = "x"
        receipt.contentHash = Data(repeating: 1, count: 32)
        receipt.envelopeHash = Data(repeating: 2, count: 32)
        try time("1000 receipts sealed (sign + serialize)") {
            for _ in 0..<1000 { _ = try SignedEnvelope.seal(receipt, type: .receipt, campaign: "c", by: key) }
        }
        time("1000 SHA-256 of 400 bytes") {
            let data = Data(repeating: 7, count: 400)
            for _ in 0..<1000 { _ = data.sha256 }
        }
    }
}
