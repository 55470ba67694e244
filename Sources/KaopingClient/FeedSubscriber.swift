import Foundation
import KaopingWire
import SwiftProtobuf
import ZeroMQ

/// A live-feed subscriber that follows the Clone pattern: it subscribes, fetches a snapshot, drops updates the
/// snapshot already holds, applies the others to its copy of the ranking, and fetches a new snapshot on a sequence
/// gap, when a heartbeat shows it missed an update, or when the aggregator restarted (another epoch).
public final class FeedSubscriber {
    /// What the subscriber saw.
    public enum Event: Sendable {
        /// The whole ranking at a sequence, from a snapshot or after applying a live update.
        case ranking(sequence: UInt64, Kaoping_V1_Ranking, fromSnapshot: Bool)
        /// A heartbeat: the aggregator is alive at this sequence.
        case heartbeat(sequence: UInt64)
    }

    private let subscriber: Socket
    private let snapshotSocket: Socket
    private let snapshotEndpoint: String
    private let handshakes: HandshakeMonitor
    private let encrypted: Bool
    private let campaign: String
    /// The sequence of the last update applied.
    public private(set) var sequence: UInt64 = 0
    /// The ranking as of ``sequence``.
    public private(set) var ranking = Kaoping_V1_Ranking()
    /// The aggregator process the sequence belongs to.
    private var epoch: Int64 = 0
    /// The districts the last update applied listed (all updates merged into it, with coalescing).
    public private(set) var lastListed: [String] = []
    /// Snapshots fetched, the first one included.
    public private(set) var snapshots = 0
    private var pending: [Event] = []

    /// With CURVE on at the aggregator, pass `curve` (any key pair is admitted to the feed and snapshot).
    public init(feed: String, snapshot: String, campaign: String, context: Context, curve: CurveClient? = nil) throws {
        self.campaign = campaign
        subscriber = try Socket(context: context, type: .sub)
        try subscriber.set(.linger(0))
        if let curve { try subscriber.set(curve.option) }
        try subscriber.set(.subscribe(Data("update".utf8)))
        try subscriber.set(.subscribe(Data("heartbeat".utf8)))
        try subscriber.connect(feed)
        (snapshotSocket, handshakes) = try Socket.watchedDealer(context: context, connectedTo: snapshot, curve: curve)
        snapshotEndpoint = snapshot
        encrypted = curve != nil
    }

    deinit {
        subscriber.close(linger: 0)
        snapshotSocket.close(linger: 0)
    }

    /// Fetches the current state; called first and after every gap. Throws ``HandshakeRefused`` when the aggregator
    /// refused the connection.
    public func resnapshot(timeout: Int32 = 5_000) throws -> Event {
        var request = Kaoping_V1_SnapshotRequest()
        request.campaign = campaign
        try snapshotSocket.send(Multipart([try request.serializedBytes()]), timeout: timeout)
        guard let reply = try snapshotSocket.receive(timeout: timeout), let body = reply.frames.last else {
            if let failure = handshakes.failure(patience: .zero) {
                throw HandshakeRefused(endpoint: snapshotEndpoint, failure: failure, encrypted: encrypted)
            }
            throw WireError("no snapshot within \(timeout / 1000) s; is the aggregator running?")
        }
        let snapshot = try Kaoping_V1_Snapshot(serializedBytes: body)
        sequence = snapshot.sequence
        epoch = snapshot.epoch
        ranking = snapshot.ranking
        snapshots += 1
        return .ranking(sequence: snapshot.sequence, snapshot.ranking, fromSnapshot: true)
    }

    /// The next event within `timeout` milliseconds, or nil. With `coalescing`, every message already waiting is
    /// read too and consecutive updates are applied as one (``Kaoping_V1_RankingUpdate/merging(_:)``): one event for
    /// all of them, so that a subscriber slower than the feed (re-ranking a city takes milliseconds) keeps up.
    public func next(timeout: Int32, coalescing: Bool = false) throws -> Event? {
        if snapshots == 0 { return try resnapshot() }
        guard let first = try subscriber.receive(timeout: timeout) else { return nil }
        var messages = [first]
        while coalescing, messages.count < 4_096, let more = try subscriber.receive(timeout: 0) {
            messages.append(more)
        }
        var merged: Kaoping_V1_RankingUpdate?
        var mergedSequence = sequence
        var heartbeat: UInt64?
        for message in messages {
            guard message.frames.count == 3, message.frames[1].count == 8 else { continue }
            let number = message.frames[1].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            switch message.frames[0] {
            case Data("heartbeat".utf8):
                // Another epoch: the aggregator restarted. Ahead: an update was missed.
                guard let beat = try? Kaoping_V1_FeedHeartbeat(serializedBytes: message.frames[2]) else { continue }
                if beat.epoch != epoch || number != mergedSequence { return try resnapshot() }
                heartbeat = number
            case Data("update".utf8):
                // An update that cannot be read or applied is as good as missed.
                guard let update = try? Kaoping_V1_RankingUpdate(serializedBytes: message.frames[2]),
                    update.epoch == epoch
                else { return try resnapshot() }
                if number <= mergedSequence { continue }  // the snapshot already has it
                if number > mergedSequence + 1 { return try resnapshot() }  // a gap
                merged = merged.map { $0.merging(update) } ?? update
                mergedSequence = number
            default:
                continue
            }
        }
        if let merged {
            guard (try? ranking.apply(merged)) != nil else { return try resnapshot() }
            sequence = mergedSequence
            lastListed = merged.districts.map(\.district)
            return .ranking(sequence: sequence, ranking, fromSnapshot: false)
        }
        if let heartbeat { return .heartbeat(sequence: heartbeat) }
        return try next(timeout: timeout, coalescing: coalescing)  // only updates the snapshot already had
    }
}
