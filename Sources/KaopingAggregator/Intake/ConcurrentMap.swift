import Foundation

extension Array where Element: Sendable {
    /// `map` on all cores: interleaved lanes of at least `minimumPerLane` items each (one lane, on the caller, for
    /// fewer). A lane yields every few items, so that a lane of a long batch does not hold a thread of the
    /// cooperative pool while the keeper's answers to the previous batch wait for one.
    func concurrentMap<Mapped: Sendable>(
        minimumPerLane: Int = 16, _ transform: @escaping @Sendable (Element) -> Mapped
    ) async -> [Mapped] {
        let lanes = Swift.min(processors, Swift.max(1, count / minimumPerLane))
        guard lanes > 1 else { return map(transform) }
        return await withTaskGroup(of: [(Int, Mapped)].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var part: [(Int, Mapped)] = []
                    part.reserveCapacity(count / lanes + 1)
                    for index in stride(from: lane, to: count, by: lanes) {
                        part.append((index, transform(self[index])))
                        if part.count % 8 == 0 { await Task.yield() }
                    }
                    return part
                }
            }
            var results = [Mapped?](repeating: nil, count: count)
            for await part in group {
                for (index, mapped) in part { results[index] = mapped }
            }
            return results.map { $0! }
        }
    }
}

/// The processors this process may use, read once: Foundation reads it from files (the cgroup's CPU quota) on each
/// call, and a map ran once per chunk of every batch.
private let processors = ProcessInfo.processInfo.activeProcessorCount
