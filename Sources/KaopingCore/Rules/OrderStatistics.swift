/// A multiset of exact decimals kept in order as values come and go: insertion, removal and the order questions
/// behind competition ranks and quota grades ("how many are higher", "the k-th lowest") each cost O(log n).
///
/// A treap (a binary search tree balanced by random priorities) over the distinct values, each node holding how
/// often its value occurs and how many values its subtree holds. Nodes live in arrays (index 0 is "none"), so a
/// change allocates nothing once the arrays have grown, and copies are copy-on-write.
struct OrderStatistics: Sendable {
    private var value: [Int64] = [0]
    private var occurrences: [Int32] = [0]
    /// Values in the subtree, occurrences counted.
    private var size: [Int32] = [0]
    private var left: [Int32] = [0]
    private var right: [Int32] = [0]
    private var priority: [UInt32] = [0]
    private var root: Int32 = 0
    private var unused: [Int32] = []
    private var random: UInt64 = 0x9E37_79B9_7F4A_7C15

    init() {}

    init(_ values: some Sequence<ExactDecimal>) {
        for value in values { insert(value) }
    }

    /// How many values are held, occurrences counted.
    var count: Int { Int(size[Int(root)]) }

    mutating func insert(_ decimal: ExactDecimal) {
        let key = decimal.units
        if holds(key) {
            adjust(key, by: 1)
            return
        }
        let node = allocate(key)
        let (lower, higher) = split(root, below: key)
        root = merge(merge(lower, node), higher)
    }

    /// Removes one occurrence of `decimal`, which must be held.
    mutating func remove(_ decimal: ExactDecimal) {
        let key = decimal.units
        precondition(holds(key), "OrderStatistics: removing \(decimal), which is not held")
        if adjust(key, by: -1) > 0 { return }
        let (lower, atOrAbove) = split(root, below: key)
        let (node, higher) = split(atOrAbove, below: key + 1)
        unused.append(node)
        root = merge(lower, higher)
    }

    /// Replaces one occurrence of `old` (which must be held) with `new`.
    mutating func replace(_ old: ExactDecimal, with new: ExactDecimal) {
        guard old != new else { return }
        remove(old)
        insert(new)
    }

    /// How many values are strictly lower than `decimal`.
    func countBelow(_ decimal: ExactDecimal) -> Int { countLower(than: decimal.units, inclusive: false) }

    /// How many values are lower than or equal to `decimal`.
    func countAtOrBelow(_ decimal: ExactDecimal) -> Int { countLower(than: decimal.units, inclusive: true) }

    /// How many values are strictly higher than `decimal`.
    func countAbove(_ decimal: ExactDecimal) -> Int { count - countAtOrBelow(decimal) }

    /// Competition rank among descending values: 1 + the number strictly higher (1, 2, 2, 4).
    func rank(of decimal: ExactDecimal) -> Int { countAbove(decimal) + 1 }

    /// The value at `index` (from 0) in ascending order, occurrences counted.
    func ascending(_ index: Int) -> ExactDecimal {
        precondition(index >= 0 && index < count, "OrderStatistics: index \(index) outside 0..<\(count)")
        var node = root
        var index = Int32(index)
        while true {
            let lower = size[Int(left[Int(node)])]
            if index < lower {
                node = left[Int(node)]
            } else if index < lower + occurrences[Int(node)] {
                return ExactDecimal(units: value[Int(node)])
            } else {
                index -= lower + occurrences[Int(node)]
                node = right[Int(node)]
            }
        }
    }

    /// The value at `index` (from 0) in descending order.
    func descending(_ index: Int) -> ExactDecimal { ascending(count - 1 - index) }

    // MARK: - Treap

    private func countLower(than key: Int64, inclusive: Bool) -> Int {
        var node = root
        var lower: Int32 = 0
        while node != 0 {
            let here = value[Int(node)]
            if here < key || (inclusive && here == key) {
                lower += size[Int(left[Int(node)])] + occurrences[Int(node)]
                node = right[Int(node)]
            } else {
                node = left[Int(node)]
            }
        }
        return Int(lower)
    }

    private func holds(_ key: Int64) -> Bool {
        var node = root
        while node != 0, value[Int(node)] != key {
            node = key < value[Int(node)] ? left[Int(node)] : right[Int(node)]
        }
        return node != 0
    }

    /// Changes the occurrences of `key` (which is held) by `delta` along its path; returns the occurrences left.
    @discardableResult
    private mutating func adjust(_ key: Int64, by delta: Int32) -> Int32 {
        var node = root
        while true {
            size[Int(node)] += delta
            if value[Int(node)] == key {
                occurrences[Int(node)] += delta
                return occurrences[Int(node)]
            }
            node = key < value[Int(node)] ? left[Int(node)] : right[Int(node)]
        }
    }

    private mutating func allocate(_ key: Int64) -> Int32 {
        // xorshift64*: priorities need only be independent of the values.
        random ^= random >> 12
        random ^= random << 25
        random ^= random >> 27
        let drawn = UInt32(truncatingIfNeeded: (random &* 0x2545_F491_4F6C_DD1D) >> 32)
        if let node = unused.popLast() {
            value[Int(node)] = key
            occurrences[Int(node)] = 1
            size[Int(node)] = 1
            left[Int(node)] = 0
            right[Int(node)] = 0
            priority[Int(node)] = drawn
            return node
        }
        value.append(key)
        occurrences.append(1)
        size.append(1)
        left.append(0)
        right.append(0)
        priority.append(drawn)
        return Int32(value.count - 1)
    }

    private mutating func resize(_ node: Int32) {
        size[Int(node)] = size[Int(left[Int(node)])] + occurrences[Int(node)] + size[Int(right[Int(node)])]
    }

    /// Splits the subtree at `node` into the values below `key` and those at or above it.
    private mutating func split(_ node: Int32, below key: Int64) -> (Int32, Int32) {
        guard node != 0 else { return (0, 0) }
        if value[Int(node)] < key {
            let (lower, higher) = split(right[Int(node)], below: key)
            right[Int(node)] = lower
            resize(node)
            return (node, higher)
        }
        let (lower, higher) = split(left[Int(node)], below: key)
        left[Int(node)] = higher
        resize(node)
        return (lower, node)
    }

    /// Joins two subtrees, every value of `lower` below every value of `higher`.
    private mutating func merge(_ lower: Int32, _ higher: Int32) -> Int32 {
        if lower == 0 { return higher }
        if higher == 0 { return lower }
        if priority[Int(lower)] > priority[Int(higher)] {
            right[Int(lower)] = merge(right[Int(lower)], higher)
            resize(lower)
            return lower
        }
        left[Int(higher)] = merge(lower, left[Int(higher)])
        resize(higher)
        return higher
    }
}
