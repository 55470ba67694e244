import Foundation
import KaopingCore
import Yams

/// An agent's settings (YAML); see deploy/config/agent-*.yaml.
public struct AgentConfiguration: Codable, Sendable, Equatable {
    /// The agent's key file (its submitter id is the key's).
    public var key: String = "agent.key"
    /// The aggregator's ingest endpoint.
    public var aggregator: String = "tcp://127.0.0.1:7401"
    /// The aggregator's public key (base64), which must sign every receipt.
    public var aggregatorPublicKey: String = ""
    /// The aggregator's CURVE public key (base64) when it encrypts connections; the agent then connects with the
    /// CURVE keys of its own key file.
    public var aggregatorCurveKey: String?
    public var campaign: String = "zhongshan-2023"
    /// The durable outbox (SQLite).
    public var outbox: String = "outbox.sqlite"
    /// A folder watched for CSV and JSON Lines files; files end in done/ or failed/ with a report.
    public var inbox: String?
    /// Where the findings this agent receives are written (CSV and plain text); `feedback/` in the inbox when
    /// absent and there is an inbox.
    public var feedbackFolder: String?
    /// Seconds between the daemon's requests for findings.
    public var feedbackSeconds: Double = 300
    /// A catalog file; the built-in zhongshan-2023 when absent.
    public var catalog: String?
    /// The roster, to check worker ids before sending; without it the aggregator checks them.
    public var roster: String?
    /// Check every submission with the rules before queueing it (the default). A vendor whose own software checks,
    /// or a test of the aggregator's checks, may turn it off; the aggregator checks everything anyway.
    public var localCheck = true
    /// Seconds between heartbeats.
    public var heartbeatSeconds: Double = 30
    /// Seconds between inbox scans.
    public var inboxScanSeconds: Double = 2
    /// First retry delay without a receipt; doubles up to `retryMaxSeconds`, with ±50 % jitter.
    public var retryInitialSeconds: Double = 1
    public var retryMaxSeconds: Double = 300

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, aggregator, campaign, outbox, inbox, catalog, roster
        case localCheck = "local_check"
        case aggregatorPublicKey = "aggregator_public_key"
        case aggregatorCurveKey = "aggregator_curve_key"
        case heartbeatSeconds = "heartbeat_seconds"
        case inboxScanSeconds = "inbox_scan_seconds"
        case retryInitialSeconds = "retry_initial_seconds"
        case retryMaxSeconds = "retry_max_seconds"
        case feedbackFolder = "feedback_folder"
        case feedbackSeconds = "feedback_seconds"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(besides: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AgentConfiguration()
        key = try container.decodeIfPresent(String.self, forKey: .key) ?? defaults.key
        aggregator = try container.decodeIfPresent(String.self, forKey: .aggregator) ?? defaults.aggregator
        aggregatorPublicKey = try container.decodeIfPresent(String.self, forKey: .aggregatorPublicKey) ?? ""
        aggregatorCurveKey = try container.decodeIfPresent(String.self, forKey: .aggregatorCurveKey)
        campaign = try container.decodeIfPresent(String.self, forKey: .campaign) ?? defaults.campaign
        outbox = try container.decodeIfPresent(String.self, forKey: .outbox) ?? defaults.outbox
        inbox = try container.decodeIfPresent(String.self, forKey: .inbox)
        catalog = try container.decodeIfPresent(String.self, forKey: .catalog)
        roster = try container.decodeIfPresent(String.self, forKey: .roster)
        localCheck = try container.decodeIfPresent(Bool.self, forKey: .localCheck) ?? true
        heartbeatSeconds = try container.decodeIfPresent(Double.self, forKey: .heartbeatSeconds) ?? 30
        inboxScanSeconds = try container.decodeIfPresent(Double.self, forKey: .inboxScanSeconds) ?? 2
        retryInitialSeconds = try container.decodeIfPresent(Double.self, forKey: .retryInitialSeconds) ?? 1
        retryMaxSeconds = try container.decodeIfPresent(Double.self, forKey: .retryMaxSeconds) ?? 300
        feedbackFolder = try container.decodeIfPresent(String.self, forKey: .feedbackFolder)
        feedbackSeconds = try container.decodeIfPresent(Double.self, forKey: .feedbackSeconds) ?? 300
    }

    /// Where received findings are written: `feedback_folder`, or `feedback/` in the inbox.
    public var feedbackFolderPath: String? {
        feedbackFolder ?? inbox.map { URL(fileURLWithPath: $0).appendingPathComponent("feedback").path }
    }

    public static func parse(_ text: String) throws -> AgentConfiguration {
        do {
            return try YAMLDecoder().decode(AgentConfiguration.self, from: text.isEmpty ? "{}" : text)
        } catch {
            throw UnknownFieldError.within(error) ?? error
        }
    }
}
