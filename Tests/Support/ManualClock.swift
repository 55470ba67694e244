import KaopingCore
import Synchronization

/// A wall clock that stands still until a test moves it.
public final class ManualClock: WallClock {
    private let moment: Mutex<Timestamp>

    public init(_ start: Timestamp = 1_700_000_000_000) { moment = Mutex(start) }

    public var now: Timestamp { moment.withLock { $0 } }

    /// Moves the clock on by `duration`.
    public func advance(by duration: Duration) { moment.withLock { $0 = $0 + duration } }
}
