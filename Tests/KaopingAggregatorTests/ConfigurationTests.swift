import Foundation
import KaopingCore
import Testing
@testable import KaopingAggregator

/// The aggregator's YAML configuration: the shipped file parses, and a mistyped field is named, not ignored.
@Suite struct ConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theShippedConfigurationParses() throws {
        let text = try String(
            contentsOf: Self.repository.appendingPathComponent("deploy/config/aggregator.yaml"), encoding: .utf8)
        let configuration = try AggregatorConfiguration.parse(text)
        #expect(configuration.curve)
        #expect(configuration.limits.maxBatch == 512)
        // Saved on Windows (BOM, CR LF), it reads the same.
        let windows = "\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try AggregatorConfiguration.parse(windows) == configuration)
    }

    @Test func aMistypedFieldIsRefusedWithItsPathAndTheKnownFields() {
        #expect(throws: UnknownFieldError(
            path: "limits.max_bacth", known: ["max_message_bytes", "max_batch", "queue_capacity", "high_water_mark"])
        ) {
            try AggregatorConfiguration.parse("limits:\n  max_bacth: 100\n")
        }
        #expect(throws: UnknownFieldError.self) { try AggregatorConfiguration.parse("stroe: kaoping.sqlite\n") }
        #expect(throws: UnknownFieldError.self) { try AggregatorConfiguration.parse("endpoints:\n  fed: tcp://x:1\n") }
        #expect((try? AggregatorConfiguration.parse("limits:\n  max_batch: 100\n"))?.limits.maxBatch == 100)
    }
}
