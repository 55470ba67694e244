import Foundation
import Testing
@testable import KaopingCore

@Suite struct CatalogFileTests {
    let shown = CatalogFile.render(.zhongshan2023)

    @Test func builtInCatalogRoundTrips() throws {
        #expect(try CatalogFile.parse(shown) == Catalog.zhongshan2023)
        // Saved on Windows (BOM, CR LF), it reads the same.
        let windows = "\u{FEFF}" + shown.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try CatalogFile.parse(windows) == Catalog.zhongshan2023)
    }

    /// A head's submitter id and its district, both ways; any other id is no district's head.
    @Test func aHeadsIdNamesItsDistrict() {
        #expect(SubmitterReference.leaderID(of: "D07") == "leader:D07")
        #expect(SubmitterReference.leaderDistrict(of: "leader:D07") == "D07")
        for other in ["party_office", "leader", "leaderD07", "Leader:D07", ""] {
            #expect(SubmitterReference.leaderDistrict(of: other) == nil, "\(other)")
        }
    }

    @Test func builtInCatalogHasTheNumbersOfTheRules() {
        let catalog = Catalog.zhongshan2023
        #expect(catalog.districts.count == 22)
        #expect(catalog.districts.first == District(id: "D01", name: "居民区01"))
        let maxima = Dictionary(uniqueKeysWithValues: catalog.indicators.map { ($0.id, $0.max.plain) })
        #expect(maxima == [
            "visits": "15", "practical_matters": "15", "hotline": "10", "member_evaluation": "20",
            "party_building": "15", "serving_masses": "15", "stability": "10", "bonus": "5", "deduction": "5",
            "worker_leader_review": "100", "worker_democratic_review": "100",
        ])
        #expect(catalog.indicator("deduction")?.effect == .subtract)
        #expect(catalog.indicator("worker_leader_review")?.submitter == .districtLeader)
        #expect(catalog.hotline.metrics.map(\.target.plain) == ["85", "95", "95", "78"])
        #expect(catalog.hotline.periods.first == "2023-01" && catalog.hotline.periods.last == "2023-12")
        #expect(catalog.workerRules.districtResultWeight.plain == "0.5")
    }

    private func problem(replacing old: String, with new: String) -> CatalogFileError? {
        precondition(shown.contains(old), "fixture text not found: \(old)")
        do {
            _ = try CatalogFile.parse(shown.replacingFirst(old, with: new))
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownSubmitterNamesLineAndField() throws {
        let error = try #require(problem(replacing: "submitter: \"party_office\"", with: "submitter: \"party_ofice\""))
        #expect(error.field == "indicators[4].submitter")
        #expect(error.message.contains("unknown submitter 'party_ofice'"))
        let line = shown.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("submitter: \"party_office\"") }! + 1
        #expect(error.line == line)
    }

    @Test func weightsThatDoNotAddUpAreRefused() throws {
        let error = try #require(problem(replacing: "weight: \"0.3\"", with: "weight: \"0.35\""))
        #expect(error.message.contains("add up to 1.05"))
    }

    @Test func quotaOverOneHundredPercentIsRefused() throws {
        let error = try #require(
            problem(replacing: "excellent: {percent: \"20\"", with: "excellent: {percent: \"120\""))
        #expect(error.field == "district_grades.excellent.percent")
        #expect(error.message.contains("over 100 %"))
    }

    @Test func typosInFieldNamesAreRefused() throws {
        let error = try #require(problem(replacing: "bottom_count: 3", with: "bottom_cout: 3"))
        #expect(error.message.contains("unknown field 'bottom_cout'"))
    }

    @Test func badDecimalsAreRefused() throws {
        let error = try #require(problem(replacing: "max: \"15\"", with: "max: \"fifteen\""))
        #expect(error.field == "indicators[0].max")
    }

    @Test func brokenYAMLNamesTheLine() throws {
        let error = try #require(
            problem(replacing: "campaign: \"zhongshan-2023\"", with: "campaign: [\"zhongshan-2023\""))
        #expect(error.message.hasPrefix("not valid YAML"))
        #expect(error.line > 1)
    }

    @Test func duplicateIndicatorIsRefused() throws {
        let error = try #require(problem(replacing: "id: \"practical_matters\"", with: "id: \"visits\""))
        #expect(error.message.contains("used twice"))
    }

    @Test func emptyFileIsRefused() {
        #expect(throws: CatalogFileError.self) { try CatalogFile.parse("") }
    }

    @Test func aChangedNumberTakesEffect() throws {
        let catalog = try CatalogFile.parse(shown.replacingFirst("min_participants: 40", with: "min_participants: 30"))
        #expect(catalog.indicator("member_evaluation")?.evidence.minimumParticipants == 30)
    }
}

extension String {
    func replacingFirst(_ old: String, with new: String) -> String {
        guard let range = range(of: old) else { return self }
        return replacingCharacters(in: range, with: new)
    }
}
