import Foundation
import KaopingCore
import Yams

/// Everything the aggregator needs to start; read from a YAML file and overridden by flags.
public struct AggregatorConfiguration: Codable, Sendable, Equatable {
    /// The ZeroMQ endpoints the aggregator binds.
    public struct Endpoints: Codable, Sendable, Equatable {
        public var ingest = "tcp://127.0.0.1:7401"
        public var feed = "tcp://127.0.0.1:7402"
        public var snapshot = "tcp://127.0.0.1:7403"
        public var control = "tcp://127.0.0.1:7404"

        public init() {}
    }

    /// Bounds that keep the daemon up under floods.
    public struct Limits: Codable, Sendable, Equatable {
        /// Larger messages are refused by libzmq (ZMQ_MAXMSGSIZE) and by the frame check.
        public var maxMessageBytes = 65_536
        /// The most submissions decided and committed in one transaction.
        public var maxBatch = 512
        /// Work waiting for the keeper beyond this is refused (senders retry).
        public var queueCapacity = 20_000
        /// Per-socket high-water marks.
        public var highWaterMark: Int32 = 10_000

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxMessageBytes = "max_message_bytes"
            case maxBatch = "max_batch"
            case queueCapacity = "queue_capacity"
            case highWaterMark = "high_water_mark"
        }
    }

    /// SQLite store (created if absent).
    public var store: String = "kaoping.sqlite"
    /// The keyring: one `SUBMITTER PUBLIC_KEY_BASE64` per line.
    public var keyring: String = "keyring.txt"
    /// The aggregator's own key file, which signs receipts.
    public var identity: String = "aggregator.key"
    /// A catalog file; the built-in zhongshan-2023 when absent.
    public var catalog: String?
    /// The roster CSV; no workers when absent.
    public var roster: String?
    public var endpoints = Endpoints()
    public var limits = Limits()
    /// Encrypt every connection with CURVE; ingest and control admit only the CURVE keys of the keyring, and each
    /// submission must be signed by the key of the submitter its connection was admitted as. On unless the
    /// configuration says `curve: false` (or the command line `--no-curve`).
    public var curve = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case store, keyring, identity, catalog, roster, endpoints, limits, curve
    }

    /// Reads a YAML configuration; absent fields keep their defaults, unknown fields are refused.
    public static func parse(_ text: String) throws -> AggregatorConfiguration {
        do {
            return try YAMLDecoder().decode(AggregatorConfiguration.self, from: text.isEmpty ? "{}" : text)
        } catch {
            throw UnknownFieldError.within(error) ?? error
        }
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(besides: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        store = try container.decodeIfPresent(String.self, forKey: .store) ?? store
        keyring = try container.decodeIfPresent(String.self, forKey: .keyring) ?? keyring
        identity = try container.decodeIfPresent(String.self, forKey: .identity) ?? identity
        catalog = try container.decodeIfPresent(String.self, forKey: .catalog)
        roster = try container.decodeIfPresent(String.self, forKey: .roster)
        endpoints = try container.decodeIfPresent(Endpoints.self, forKey: .endpoints) ?? endpoints
        limits = try container.decodeIfPresent(Limits.self, forKey: .limits) ?? limits
        curve = try container.decodeIfPresent(Bool.self, forKey: .curve) ?? curve
    }
}

extension AggregatorConfiguration.Endpoints {
    enum CodingKeys: String, CodingKey, CaseIterable { case ingest, feed, snapshot, control }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(besides: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ingest = try container.decodeIfPresent(String.self, forKey: .ingest) ?? ingest
        feed = try container.decodeIfPresent(String.self, forKey: .feed) ?? feed
        snapshot = try container.decodeIfPresent(String.self, forKey: .snapshot) ?? snapshot
        control = try container.decodeIfPresent(String.self, forKey: .control) ?? control
    }
}

extension AggregatorConfiguration.Limits {
    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(besides: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxMessageBytes = try container.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? maxMessageBytes
        maxBatch = try container.decodeIfPresent(Int.self, forKey: .maxBatch) ?? maxBatch
        queueCapacity = try container.decodeIfPresent(Int.self, forKey: .queueCapacity) ?? queueCapacity
        highWaterMark = try container.decodeIfPresent(Int32.self, forKey: .highWaterMark) ?? highWaterMark
    }
}
