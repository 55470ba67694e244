/// A share of a population, such as "the top 20 % of districts", turned into a count with a stated rounding.
public struct Quota: Hashable, Sendable {
    /// How a fractional count is turned into a whole one.
    public enum Rounding: String, CaseIterable, Sendable {
        /// Down: `floor(22 × 20 / 100) = 4` (the built-in catalog's choice).
        case floor
        /// Up.
        case ceil
        /// To nearest, halves up.
        case round
    }

    /// The share in percent, 0…100.
    public var percent: ExactDecimal
    public var rounding: Rounding

    public init(percent: ExactDecimal, rounding: Rounding = .floor) {
        self.percent = percent
        self.rounding = rounding
    }

    /// The quota for a population of `population`: `rounding(population × percent / 100)`, computed exactly.
    public func count(of population: Int) -> Int {
        let numerator = Int64(population) * percent.units
        let denominator = 100 * ExactDecimal.scale
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        switch rounding {
        case .floor: return Int(quotient)
        case .ceil: return Int(quotient + (remainder > 0 ? 1 : 0))
        case .round: return Int(quotient + (remainder * 2 >= denominator ? 1 : 0))
        }
    }
}
