import Testing
@testable import KaopingCore

/// The order-statistics tree against a sorted array, over seeded random insertions and removals with many ties.
@Suite struct OrderStatisticsTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func answersAsASortedArrayDoes(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        var tree = OrderStatistics()
        var reference: [ExactDecimal] = []
        for step in 0..<3_000 {
            // Few distinct values, so that occurrences and ties are exercised.
            let value = ExactDecimal(units: Int64(generator.next() % 60) * 2_500 - 20_000)
            if !reference.isEmpty, generator.next() % 3 == 0 {
                let victim = reference.remove(at: Int(generator.next() % UInt64(reference.count)))
                tree.remove(victim)
            } else {
                reference.append(value)
                tree.insert(value)
            }
            guard step % 50 == 0 else { continue }
            let sorted = reference.sorted()
            #expect(tree.count == sorted.count)
            #expect((0..<sorted.count).map(tree.ascending) == sorted)
            #expect((0..<sorted.count).map(tree.descending) == sorted.reversed())
            for probe in stride(from: Int64(-22_500), through: 130_000, by: 1_250).map(ExactDecimal.init(units:)) {
                #expect(tree.countBelow(probe) == sorted.filter { $0 < probe }.count)
                #expect(tree.countAtOrBelow(probe) == sorted.filter { $0 <= probe }.count)
                #expect(tree.rank(of: probe) == sorted.filter { $0 > probe }.count + 1)
            }
        }
    }

    @Test func replaceMovesOneOccurrence() {
        var tree = OrderStatistics([ExactDecimal(5), ExactDecimal(5), ExactDecimal(7)])
        tree.replace(ExactDecimal(5), with: ExactDecimal(9))
        #expect((0..<3).map(tree.ascending) == [ExactDecimal(5), ExactDecimal(7), ExactDecimal(9)])
        tree.replace(ExactDecimal(7), with: ExactDecimal(7))
        #expect(tree.count == 3)
        #expect(tree.rank(of: ExactDecimal(5)) == 3)
    }
}

@Suite struct PositionSetTests {
    /// Each position once, in the order it came in; emptied, every position can come in again.
    @Test func holdsEachPositionOnceAndEmptiesForTheNextRound() {
        var set = PositionSet(count: 10)
        #expect(set.isEmpty)
        set.insert(7)
        set.formUnion([2, 7, 9, 2])
        #expect(Array(set) == [7, 2, 9])
        set.removeAll()
        #expect(set.isEmpty && Array(set).isEmpty)
        set.formUnion([9, 0, 7])
        #expect(Array(set) == [9, 0, 7])
        var all = PositionSet(all: 4)
        all.insert(3)
        #expect(Array(all) == [0, 1, 2, 3])
        all.removeAll()
        all.insert(3)
        #expect(Array(all) == [3])
    }
}
