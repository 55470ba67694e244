/// An exact fixed-point decimal with four fractional digits, used for every score, rate, weight and total.
///
/// Submitted values carry at most two fractional digits (RULES.md §2); a weight with at most two fractional
/// digits times such a value needs four, so every product the rules form is exact. No `Double` is involved.
public struct ExactDecimal: Hashable, Comparable, Sendable {
    /// Units per 1: the value is `units / scale`.
    public static let scale: Int64 = 10_000
    /// The number of fractional digits the representation holds.
    public static let fractionDigits = 4
    /// The largest integer part accepted by ``parse(_:maxFractionDigits:)``; larger values are out of any rule.
    static let maxIntegerPart: Int64 = 1_000_000_000_000

    /// The value times ``scale``.
    public let units: Int64

    /// Creates a value from its units (`units / scale`).
    public init(units: Int64) {
        self.units = units
    }

    /// Creates a whole-number value.
    public init(_ integer: Int) {
        self.units = Int64(integer) * Self.scale
    }

    public static let zero = ExactDecimal(units: 0)

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { lhs.units < rhs.units }
    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal { .init(units: lhs.units + rhs.units) }
    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal { .init(units: lhs.units - rhs.units) }
    public static prefix func - (value: ExactDecimal) -> ExactDecimal { .init(units: -value.units) }
    public static func += (lhs: inout ExactDecimal, rhs: ExactDecimal) { lhs = lhs + rhs }

    /// Multiplies by a whole number.
    public static func * (lhs: ExactDecimal, rhs: Int) -> ExactDecimal { .init(units: lhs.units * Int64(rhs)) }

    /// The exact product, or `nil` when it would need more than ``fractionDigits`` fractional digits.
    public func exactlyMultiplied(by other: ExactDecimal) -> ExactDecimal? {
        let (product, overflow) = units.multipliedReportingOverflow(by: other.units)
        guard !overflow, product % Self.scale == 0 else { return nil }
        return ExactDecimal(units: product / Self.scale)
    }

    /// The number of fractional digits needed to write the value exactly (0…4).
    public var significantFractionDigits: Int {
        var fraction = abs(units % Self.scale)
        guard fraction != 0 else { return 0 }
        var digits = Self.fractionDigits
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        return digits
    }

    /// The value clamped to `range`.
    public func clamped(to range: ClosedRange<ExactDecimal>) -> ExactDecimal {
        min(max(self, range.lowerBound), range.upperBound)
    }

    /// The whole-number part, truncated toward zero.
    public var integerPart: Int64 { units / Self.scale }
}

// MARK: - Parsing

/// Why a string is not a decimal in the format of RULES.md §2.
public enum DecimalFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case notDecimal(String)
    case tooManyFractionDigits(String, allowed: Int)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .empty:
            return "the value is empty; write a number such as \"13.5\""
        case .notDecimal(let text):
            return
                "\"\(text)\" is not a decimal; write digits with an optional point and 1–2 decimals, such as \"13.5\""
        case .tooManyFractionDigits(let text, let allowed):
            return "\"\(text)\" has more than \(allowed) decimals; round it to \(allowed) decimals"
        case .tooLarge(let text):
            return "\"\(text)\" is far too large to be a score"
        }
    }
}

extension ExactDecimal {
    /// Parses the strict format `[0-9]+(\.[0-9]{1,N})?` (RULES.md §2, `N` = `maxFractionDigits`).
    ///
    /// No sign, exponent, blanks, leading or trailing point. Leading zeros are fine ("07").
    public static func parse(_ text: String, maxFractionDigits: Int = 2) throws(DecimalFormatError) -> ExactDecimal {
        try parse(text, maxFractionDigits: maxFractionDigits, allowSign: false)
    }

    /// Parses like ``parse(_:maxFractionDigits:)`` but also accepts a leading `-` (for catalog values such as
    /// clamp bounds).
    public static func parseSigned(_ text: String, maxFractionDigits: Int = 2) throws(DecimalFormatError)
        -> ExactDecimal
    {
        try parse(text, maxFractionDigits: maxFractionDigits, allowSign: true)
    }

    private static func parse(_ text: String, maxFractionDigits: Int, allowSign: Bool) throws(DecimalFormatError)
        -> ExactDecimal
    {
        guard !text.isEmpty else { throw .empty }
        // One pass over the bytes: the ledger parses every submitted value (a hotline month has four).
        let scanned =
            text.utf8.withContiguousStorageIfAvailable { scan($0, allowSign: allowSign) }
            ?? Array(text.utf8).withUnsafeBufferPointer { scan($0, allowSign: allowSign) }
        guard let scanned else { throw .notDecimal(text) }
        guard scanned.fractionDigits <= maxFractionDigits, scanned.fractionDigits <= Self.fractionDigits else {
            throw .tooManyFractionDigits(text, allowed: min(maxFractionDigits, Self.fractionDigits))
        }
        guard scanned.integer <= maxIntegerPart else { throw .tooLarge(text) }
        let place = Int64(Self.powersOfTen[Self.fractionDigits - scanned.fractionDigits])  // of the last digit
        let units = scanned.integer * Self.scale + scanned.fraction * place
        return ExactDecimal(units: scanned.negative ? -units : units)
    }

    /// The parts of `[-][0-9]+(\.[0-9]+)?`, or nil if the bytes are not that. The integer stops growing once past
    /// ``maxIntegerPart``; the fraction keeps its first ``fractionDigits`` digits (more are refused by the caller).
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, allowSign: Bool)
        -> (negative: Bool, integer: Int64, fraction: Int64, fractionDigits: Int)?
    {
        var index = 0
        func digit() -> Int64? {
            guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else {
                return nil
            }
            defer { index += 1 }
            return Int64(bytes[index] - UInt8(ascii: "0"))
        }
        let negative = allowSign && bytes.first == UInt8(ascii: "-")
        if negative { index += 1 }
        var (integer, integerDigits): (Int64, Int) = (0, 0)
        while let digit = digit() {
            if integer <= maxIntegerPart { integer = integer * 10 + digit }
            integerDigits += 1
        }
        var (fraction, fractionDigits): (Int64, Int) = (0, 0)
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while let digit = digit() {
                if fractionDigits < Self.fractionDigits { fraction = fraction * 10 + digit }
                fractionDigits += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        guard index == bytes.count, integerDigits > 0 else { return nil }
        return (negative, integer, fraction, fractionDigits)
    }
}

// MARK: - Formatting

extension ExactDecimal: CustomStringConvertible {
    /// The value with at least two fractional digits and as many more as it needs: "13.50", "84.125", "-5.00".
    public var description: String { formatted(minimumFractionDigits: 2) }

    /// The value with at least `minimumFractionDigits` fractional digits and as many more as it needs.
    public func formatted(minimumFractionDigits: Int) -> String {
        withFormattedBytes(minimumFractionDigits: minimumFractionDigits) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 bytes of ``formatted(minimumFractionDigits:)``, written digit by digit from the
    /// end of one small buffer on the stack: the feed writes every value of every district a batch touches, and
    /// needs no string of them.
    public func withFormattedBytes<Result>(
        minimumFractionDigits: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result {
        let digits = min(Self.fractionDigits, max(minimumFractionDigits, significantFractionDigits))
        let magnitude = units.magnitude
        var integer = magnitude / UInt64(Self.scale)
        // The fraction's first `digits` digits (those dropped are zeros: `digits` covers the significant ones).
        var fraction = magnitude % UInt64(Self.scale) / Self.powersOfTen[Self.fractionDigits - digits]
        // A sign, at most 20 integer digits, a point and the fraction digits.
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var start = buffer.count
            func prepend(_ byte: UInt8) {
                start -= 1
                buffer[start] = byte
            }
            if digits > 0 {
                for _ in 0..<digits {
                    prepend(UInt8(ascii: "0") + UInt8(fraction % 10))
                    fraction /= 10
                }
                prepend(UInt8(ascii: "."))
            }
            repeat {
                prepend(UInt8(ascii: "0") + UInt8(integer % 10))
                integer /= 10
            } while integer > 0
            if units < 0 { prepend(UInt8(ascii: "-")) }
            return try body(UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// 10⁰ … 10⁴, by exponent: written out, as ``scale`` is (a test checks both against ``fractionDigits``).
    static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000]

    /// The shortest exact form: "13.5", "7", "0.25" (used where people edit values, such as catalog files).
    public var plain: String { formatted(minimumFractionDigits: 0) }
}
