/// A set of the positions `0..<count` (of districts, workers or owners) that takes no hashing: a flag per position,
/// and the members in the order they came in. The scoreboard marks every row and owner a submission touches.
struct PositionSet: Sequence, Sendable {
    private var flags: [Bool]
    private var members: [Int] = []

    /// An empty set of positions below `count`.
    init(count: Int) {
        flags = Array(repeating: false, count: count)
    }

    /// Every position below `count`.
    init(all count: Int) {
        flags = Array(repeating: true, count: count)
        members = Array(0..<count)
    }

    var isEmpty: Bool { members.isEmpty }

    mutating func insert(_ position: Int) {
        guard !flags[position] else { return }
        flags[position] = true
        members.append(position)
    }

    mutating func formUnion(_ positions: some Sequence<Int>) {
        for position in positions { insert(position) }
    }

    /// Empties the set in time proportional to its members.
    mutating func removeAll() {
        for position in members { flags[position] = false }
        members.removeAll(keepingCapacity: true)
    }

    func makeIterator() -> IndexingIterator<[Int]> { members.makeIterator() }
}
