import Synchronization

/// At most `limit` jobs at once, taken and given back from any thread. A status reply for a city holds a copy of
/// the scoreboard and several megabytes while it is built (half a second of a core): without a bound, a burst of
/// status requests — which need no signature — would take the aggregator's memory with it.
final class BuildSlots: Sendable {
    let limit: Int
    private let taken = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot if one is free.
    func take() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = taken.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Gives back a slot taken.
    func give() {
        taken.subtract(1, ordering: .releasing)
    }
}
