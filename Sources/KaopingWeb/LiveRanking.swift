import Foundation
import KaopingCore
import KaopingWire
import Synchronization

/// One ranking as the console shows it, made at each change of the feed and then only read, by every request and
/// event. Made in O(n) with small constants (an index by id, where each grade's rows begin and end): a city's feed
/// changes many times a second. A row's total is read as an exact decimal, and its grade margins worked out, when a
/// page shows it.
public struct RankingSnapshot: Sendable {
    public struct Row: Sendable {
        public let rank: Kaoping_V1_DistrictRank
        public let total: ExactDecimal
        /// How much more total the district needs to reach the next better grade (nil: it has the best).
        public let toNextGrade: ExactDecimal?
        /// How far its total is above the best total of the grade below (nil: it has the lowest grade, or nobody
        /// is in the grade below).
        public let aboveGradeBelow: ExactDecimal?
    }

    public let ranking: Kaoping_V1_Ranking
    public let sequence: UInt64
    private let index: [String: Int]
    /// Where each grade's rows are in `ranking.districts`: listed by total, each grade's rows follow one another.
    private let gradeRows: [String: Range<Int>]
    /// The sequence at which each district last changed (absent: not since the console started).
    public internal(set) var changedAt: [String: UInt64]
    /// The sequence at which the feedback counts last changed: a list of findings asked at it or later agrees with
    /// them (an update that changes scores only leaves the findings alone).
    public internal(set) var feedbackChangedAt: UInt64
    /// Whether the feed was heard from lately (the aggregator may be stopped).
    public internal(set) var connected: Bool

    public static let gradeOrder = ["excellent", "good", "ordinary"]

    public init(
        ranking: Kaoping_V1_Ranking, sequence: UInt64, connected: Bool = true
    ) {
        self.ranking = ranking
        self.sequence = sequence
        changedAt = [:]
        feedbackChangedAt = sequence
        self.connected = connected
        // Rows read in place (a copy of a row retains its strings, indicators and missing cells), and each grade's
        // range written once per run of rows with that grade, not once per row.
        let districts = ranking.districts
        var index: [String: Int] = [:]
        index.reserveCapacity(districts.count)
        var gradeRows: [String: Range<Int>] = [:]
        var runStart = 0
        for position in districts.indices {
            index[districts[position].district] = position
            let grade = districts[position].grade
            guard position + 1 == districts.count || districts[position + 1].grade != grade else { continue }
            gradeRows[grade] = (gradeRows[grade]?.lowerBound ?? runStart)..<(position + 1)
            runStart = position + 1
        }
        self.index = index
        self.gradeRows = gradeRows
    }

    /// The row at `position` of the ranking, with its margins.
    public func row(at position: Int) -> Row {
        let district = ranking.districts[position]
        let total = Self.total(district)
        let place = Self.gradeOrder.firstIndex(of: district.grade)
        let better = place.flatMap { $0 > 0 ? gradeRows[Self.gradeOrder[$0 - 1]] : nil }
        let worse = place.flatMap { $0 + 1 < Self.gradeOrder.count ? gradeRows[Self.gradeOrder[$0 + 1]] : nil }
        return Row(
            rank: district, total: total,
            // The better grade's lowest total is its last row's; the grade below's highest, its first row's.
            toNextGrade: better.map { Self.total(ranking.districts[$0.upperBound - 1]) - total },
            aboveGradeBelow: worse.map { total - Self.total(ranking.districts[$0.lowerBound]) })
    }

    public func row(_ district: String) -> Row? { index[district].map(row(at:)) }

    /// The district's row as the feed gave it.
    func district(_ id: String) -> Kaoping_V1_DistrictRank? { index[id].map { ranking.districts[$0] } }

    /// Every row, by rank (O(n): for downloads and charts, not for a page).
    public var rows: [Row] { ranking.districts.indices.map(row(at:)) }

    /// The workers of `district`, by rank.
    public func workers(of district: String) -> [Kaoping_V1_WorkerRank] {
        ranking.workers.filter { $0.district == district }
    }

    public var isEmpty: Bool { ranking.districts.isEmpty }

    static func total(_ district: Kaoping_V1_DistrictRank) -> ExactDecimal {
        (try? ExactDecimal.parseSigned(district.total, maxFractionDigits: ExactDecimal.fractionDigits)) ?? .zero
    }
}

/// What changed, as sent to each browser's event stream.
public struct RankingChange: Sendable {
    public let sequence: UInt64
    /// The districts whose own data changed — total, points, missing cells or grade; not those only moved in rank by
    /// others (empty for a change of the connection or a keep-alive).
    public let districts: Set<String>
    public let connected: Bool
    /// When the aggregator committed what the ranking holds (its `updated_at_ms`).
    public let committedAt: Timestamp
    /// Nothing changed: a line that keeps the connection (and proxies in between) open.
    public let keepalive: Bool
    /// The event as an account that reads every district receives it, made once for all their streams.
    public let text: String

    /// At most this many changed districts are named in an event: a page shows 50 rows, and an event goes to every
    /// browser (`more` says that some were left out).
    static let namedAtMost = 50

    init(
        sequence: UInt64, districts: Set<String>, connected: Bool, committedAt: Timestamp = Timestamp(milliseconds: 0),
        keepalive: Bool = false
    ) {
        self.sequence = sequence
        self.districts = districts
        self.connected = connected
        self.committedAt = committedAt
        self.keepalive = keepalive
        text = keepalive ? ": keep-alive\n\n" : Self.event(sequence, connected, districts, committedAt)
    }

    /// The event for an account that reads only `district`.
    func text(for district: String) -> String {
        keepalive ? text : Self.event(sequence, connected, districts.contains(district) ? [district] : [], committedAt)
    }

    /// `id`, `event: ranking` and a JSON line: `sequence`, `connected`, `changed` (ids, sorted), `more`,
    /// `updated_at_ms` (0 when the event is not a change).
    private static func event(
        _ sequence: UInt64, _ connected: Bool, _ districts: Set<String>, _ committedAt: Timestamp
    ) -> String {
        struct Data: Encodable {
            let sequence: UInt64
            let connected: Bool
            let changed: [String]
            let more: Bool
            let updated_at_ms: Int64
        }
        let named = districts.sorted().prefix(namedAtMost)
        let data = Data(
            sequence: sequence, connected: connected, changed: Array(named), more: districts.count > named.count,
            updated_at_ms: committedAt.milliseconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "id: \(sequence)\nevent: ranking\ndata: \(json)\n\n"
    }
}

/// The ranking the console follows, shared by every request and every browser's event stream: the feed follower
/// sets it, pages read it, and each change goes out once to every stream.
public final class LiveRanking: Sendable {
    fileprivate struct State {
        var snapshot = RankingSnapshot(ranking: Kaoping_V1_Ranking(), sequence: 0, connected: false)
        /// Cells filled over time: one sample a change, thinned as it grows.
        var filled: [(at: Timestamp, filled: UInt32)] = []
        var streams: [UUID: AsyncStream<RankingChange>.Continuation] = [:]
        var lastSent = Timestamp(milliseconds: 0)
        /// When the last change went out, and what changed since that has not (sent at the next ``tick(at:)``).
        var lastChange = Timestamp(milliseconds: 0)
        var pending: (districts: Set<String>, committedAt: Timestamp)?
        /// From the aggregator's commit (the ranking's updated_at) to the console's receipt of the last update.
        var lag: Duration = .zero
    }

    private let state = Mutex(State())

    public init() {}

    public var snapshot: RankingSnapshot { state.withLock { $0.snapshot } }

    /// The samples of cells filled over time, oldest first.
    public var filledOverTime: [(at: Timestamp, filled: UInt32)] { state.withLock { $0.filled } }

    /// Streams open now (browsers following the ranking).
    public var streamCount: Int { state.withLock { $0.streams.count } }

    /// From the aggregator's commit to the console's receipt of the last update.
    public var lag: Duration { state.withLock { $0.lag } }

    /// Takes a ranking from the feed; returns what it changed, which goes out to every stream with whatever else
    /// changed within ``State/eventInterval``. `listed`: the districts the update listed (only they can have
    /// changed), or nil for a snapshot (every district is compared).
    @discardableResult
    public func set(
        _ ranking: Kaoping_V1_Ranking, sequence: UInt64, listed: [String]? = nil, at now: Timestamp
    ) -> RankingChange {
        state.withLock { state in
            let previous = state.snapshot
            var next = RankingSnapshot(ranking: ranking, sequence: sequence, connected: true)
            var changed: Set<String> = []
            // The first ranking marks nothing: nothing was shown before it.
            for id in previous.isEmpty ? [] : listed ?? ranking.districts.map(\.district) {
                guard let after = next.district(id) else { continue }
                guard let before = previous.district(id) else {
                    changed.insert(id)
                    continue
                }
                if before.total != after.total || before.grade != after.grade || before.indicators != after.indicators
                    || before.missing != after.missing
                {
                    changed.insert(id)
                }
            }
            next.changedAt = previous.changedAt
            for id in changed { next.changedAt[id] = sequence }
            if !previous.isEmpty, ranking.feedback == previous.ranking.feedback {
                next.feedbackChangedAt = previous.feedbackChangedAt
            }
            state.snapshot = next
            if state.filled.last?.filled != ranking.cellsFilled {
                state.filled.append((now, ranking.cellsFilled))
                if state.filled.count > 2_000 {  // keep every other sample of the older half
                    let half = state.filled.count / 2
                    state.filled = state.filled[..<half].enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
                        + state.filled[half...]
                }
            }
            let committed = Timestamp(milliseconds: ranking.updatedAtMs)
            state.lag = now - committed
            // What goes out at most every `eventInterval`, with what changed since the last event; the time of the
            // oldest commit it holds.
            var waiting = (districts: changed, committedAt: committed)
            if let pending = state.pending {
                waiting = (pending.districts.union(changed), min(pending.committedAt, committed))
            }
            state.pending = waiting
            state.flush(at: now)
            return RankingChange(sequence: sequence, districts: changed, connected: true, committedAt: committed)
        }
    }

    /// Marks the feed silent (the aggregator stopped or cannot be reached) or heard again.
    public func setConnected(_ connected: Bool, at now: Timestamp) {
        state.withLock { state in
            guard state.snapshot.connected != connected else { return }
            state.snapshot.connected = connected
            state.send(RankingChange(sequence: state.snapshot.sequence, districts: [], connected: connected), at: now)
        }
    }

    /// Sends what changed and has not gone out when its time comes, and a keep-alive to every stream when nothing
    /// went out for 15 seconds. Called by the feed follower at least every 50 ms.
    public func tick(at now: Timestamp) {
        state.withLock { state in
            state.flush(at: now)
            guard now - state.lastSent >= .seconds(15) else { return }
            state.send(
                RankingChange(
                    sequence: state.snapshot.sequence, districts: [], connected: state.snapshot.connected,
                    keepalive: true),
                at: now)
        }
    }

    /// The cells filled over time as read from the store at start, before the feed's own samples.
    public func seedFilled(_ samples: [(at: Timestamp, filled: UInt32)]) {
        state.withLock { $0.filled = samples + $0.filled }
    }

    /// A stream of the changes from now on; it ends when the browser goes away.
    public func changes() -> AsyncStream<RankingChange> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: RankingChange.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        state.withLock { $0.streams[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every stream (the console is stopping).
    public func finish() {
        let streams = state.withLock { state in
            defer { state.streams = [:] }
            return Array(state.streams.values)
        }
        for stream in streams { stream.finish() }
    }
}

extension LiveRanking.State {
    /// Events go out at most this often: a browser refreshes its page at each, and a city's feed changes many times
    /// a second (docs/benchmarks.md, "The web console").
    static let eventInterval = Duration.milliseconds(100)

    fileprivate mutating func flush(at now: Timestamp) {
        guard let waiting = pending, now - lastChange >= Self.eventInterval else { return }
        pending = nil
        lastChange = now
        send(
            RankingChange(
                sequence: snapshot.sequence, districts: waiting.districts, connected: snapshot.connected,
                committedAt: waiting.committedAt),
            at: now)
    }

    fileprivate mutating func send(_ change: RankingChange, at now: Timestamp) {
        lastSent = now
        for stream in streams.values { stream.yield(change) }
    }
}
