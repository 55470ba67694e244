import Foundation

/// A moment as every Kaoping record keeps it: whole milliseconds since 1970-01-01 00:00 UTC, as the protocol's
/// `*_ms` fields and the stores' `*_ms` columns hold it. Encoded (JSON, the audit chain's hashed entries) as that
/// number; shown to people in China Standard Time (``ChinaTime``).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public init(integerLiteral milliseconds: Int64) { self.milliseconds = milliseconds }

    /// `date`, to the millisecond below.
    public init(_ date: Date) { milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }

    /// The same moment as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// In China Standard Time, `2026-11-28 14:05:00`.
    public var description: String { ChinaTime.format(self) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// `duration` later (to the millisecond below).
    public static func + (moment: Timestamp, duration: Duration) -> Timestamp {
        let (seconds, attoseconds) = duration.components
        return Timestamp(milliseconds: moment.milliseconds + seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// `duration` earlier.
    public static func - (moment: Timestamp, duration: Duration) -> Timestamp { moment + (.zero - duration) }

    /// How long from `earlier` to `later`.
    public static func - (later: Timestamp, earlier: Timestamp) -> Duration {
        .milliseconds(later.milliseconds - earlier.milliseconds)
    }
}

/// Where the time of day comes from: passed in to whatever stamps a record or a message, so that tests can set it.
/// KaopingCore itself reads no clock.
public protocol WallClock: Sendable {
    /// The moment now.
    var now: Timestamp { get }
}
