import Foundation
import KaopingCore

/// The machine's clock: what every program stamps its records and messages with, unless a test passes another.
public struct SystemClock: WallClock {
    public init() {}

    public var now: Timestamp { Timestamp(Date()) }
}
