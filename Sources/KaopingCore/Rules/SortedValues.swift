/// A population of values sorted once, answering "how many are higher / lower" in O(log n) — the questions
/// behind competition ranks, quota grades and the hotline's bottom group.
struct SortedValues {
    private let ascending: [ExactDecimal]

    init(_ values: some Sequence<ExactDecimal>) {
        ascending = values.sorted()
    }

    var count: Int { ascending.count }

    /// How many values are strictly lower than `value`.
    func countBelow(_ value: ExactDecimal) -> Int { firstIndex { $0 >= value } }

    /// How many values are lower than or equal to `value`.
    func countAtOrBelow(_ value: ExactDecimal) -> Int { firstIndex { $0 > value } }

    /// How many values are strictly higher than `value`.
    func countAbove(_ value: ExactDecimal) -> Int { ascending.count - countAtOrBelow(value) }

    /// Competition rank among descending values: 1 + the number strictly higher (1, 2, 2, 4).
    func rank(of value: ExactDecimal) -> Int { countAbove(value) + 1 }

    /// The first index whose value satisfies `predicate`, which must be false then true along the array.
    private func firstIndex(where predicate: (ExactDecimal) -> Bool) -> Int {
        var low = 0
        var high = ascending.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(ascending[middle]) {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
    }
}
