import Testing
@testable import KaopingCore

@Suite struct ExactDecimalTests {
    @Test(arguments: [
        ("13.5", 135_000), ("13.50", 135_000), ("07", 70_000), ("0", 0), ("100", 1_000_000), ("0.01", 100),
        ("5", 50_000), ("000013.5", 135_000),
    ])
    func parsesTheRulesFormat(text: String, units: Int64) throws {
        #expect(try ExactDecimal.parse(text).units == units)
    }

    @Test(arguments: [
        "13.555", "-1", "+1", "1e1", "1e3", ".5", "5.", " 5", "5 ", "", "abc", "1,5", "１３", "13.5.1", "0x10",
    ])
    func rejectsEverythingElse(text: String) {
        #expect(throws: DecimalFormatError.self) { try ExactDecimal.parse(text) }
    }

    /// The scale and the table of powers are written out (constants the hot paths fold in); they must follow the
    /// number of fractional digits.
    @Test func theScaleAndPowersFollowTheFractionDigits() {
        let powers = (0...ExactDecimal.fractionDigits).map { exponent in
            (0..<exponent).reduce(UInt64(1)) { power, _ in power * 10 }
        }
        #expect(ExactDecimal.powersOfTen == powers)
        #expect(ExactDecimal.scale == Int64(powers.last!))
    }

    @Test func tellsWhatIsWrong() {
        #expect(throws: DecimalFormatError.tooManyFractionDigits("13.555", allowed: 2)) {
            try ExactDecimal.parse("13.555")
        }
        #expect(throws: DecimalFormatError.empty) { try ExactDecimal.parse("") }
        #expect(throws: DecimalFormatError.tooLarge("99999999999999999999")) {
            try ExactDecimal.parse("99999999999999999999")
        }
    }

    /// The one-pass parser against the format written out with string operations, on random strings of digits,
    /// points, signs and other characters, with and without a sign allowed and for 0–5 fraction digits: the same
    /// value, or the same error.
    @Test func parsesAsTheFormatIsWritten() {
        func reference(_ text: String, maxFractionDigits: Int, allowSign: Bool) -> Result<Int64, DecimalFormatError> {
            guard !text.isEmpty else { return .failure(.empty) }
            let negative = allowSign && text.hasPrefix("-")
            let parts = text.dropFirst(negative ? 1 : 0).split(separator: ".", omittingEmptySubsequences: false)
            func isDigits(_ part: Substring) -> Bool {
                !part.isEmpty && part.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
            }
            guard parts.count <= 2, isDigits(parts[0]), parts.count == 1 || isDigits(parts[1]) else {
                return .failure(.notDecimal(text))
            }
            let fraction = parts.count == 2 ? String(parts[1]) : ""
            let allowed = min(maxFractionDigits, ExactDecimal.fractionDigits)
            guard fraction.count <= allowed else { return .failure(.tooManyFractionDigits(text, allowed: allowed)) }
            let integer = parts[0].drop { $0 == "0" }
            guard integer.count <= 13, let whole = Int64(integer.isEmpty ? "0" : String(integer)),
                whole <= 1_000_000_000_000
            else { return .failure(.tooLarge(text)) }
            let units = whole * 10_000 + Int64(fraction + String(repeating: "0", count: 4 - fraction.count))!
            return .success(negative ? -units : units)
        }
        func parsed(_ text: String, maxFractionDigits: Int, allowSign: Bool) -> Result<Int64, DecimalFormatError> {
            Result { () throws(DecimalFormatError) in
                allowSign
                    ? try ExactDecimal.parseSigned(text, maxFractionDigits: maxFractionDigits).units
                    : try ExactDecimal.parse(text, maxFractionDigits: maxFractionDigits).units
            }
        }
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789012345678900.-+e ,中１")
        let edges = [
            "", "0", "-", "-0", "--1", "-.5", ".", "1.", ".1", "1..2", "0.0000", "0.00001", "1000000000000",
            "1000000000001", "0001000000000000.5", "99999999999999999999", "-99999999999999999999.99999", "12.3456",
            "-7.25", "7-", "1.2.3",
        ]
        let texts = edges + (0..<20_000).map { _ in
            String((0..<Int.random(in: 0...22, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        for text in texts {
            for allowSign in [false, true] {
                for digits in 0...5 {
                    let expected = reference(text, maxFractionDigits: digits, allowSign: allowSign)
                    #expect(
                        parsed(text, maxFractionDigits: digits, allowSign: allowSign) == expected,
                        "\(text) with \(digits) digits, sign \(allowSign)")
                }
            }
        }
    }

    @Test func comparesByValue() throws {
        #expect(try ExactDecimal.parse("13.5") == ExactDecimal.parse("13.50"))
        #expect(try ExactDecimal.parse("5") < ExactDecimal.parse("5.01"))
    }

    @Test func formatsWithTwoToFourDecimals() {
        #expect(ExactDecimal(units: 135_000).description == "13.50")
        #expect(ExactDecimal(units: 841_250).description == "84.125")
        #expect(ExactDecimal(-5).description == "-5.00")
        #expect(ExactDecimal(units: -5_000).description == "-0.50")
        #expect(ExactDecimal(units: 1_234).description == "0.1234")
        #expect(ExactDecimal(units: 135_000).plain == "13.5")
        #expect(ExactDecimal(7).plain == "7")
    }

    /// The digit-by-digit formatter against the plain way of writing it: the integer part, then the four fraction
    /// digits cut to as many as asked for and needed.
    @Test func formatsEveryValueAsWrittenByParts() {
        func byParts(_ value: ExactDecimal, minimumFractionDigits: Int) -> String {
            let digits = max(minimumFractionDigits, value.significantFractionDigits)
            let magnitude = value.units.magnitude
            var text = (value.units < 0 ? "-" : "") + String(magnitude / UInt64(ExactDecimal.scale))
            if digits > 0 {
                let fraction = String(magnitude % UInt64(ExactDecimal.scale))
                text += "." + (String(repeating: "0", count: ExactDecimal.fractionDigits - fraction.count) + fraction)
                    .prefix(digits)
            }
            return text
        }
        var generator = SystemRandomNumberGenerator()
        let edges: [Int64] = [
            0, 1, 9, 10, 99, 100, 1_234, 5_000, 9_999, 10_000, 135_000, 841_250, -1, -5_000, -135_001, .max, .min,
            .min + 1,
        ]
        let random = (0..<2_000).map { _ in Int64.random(in: -10_000_000...10_000_000, using: &generator) }
        for units in edges + random {
            let value = ExactDecimal(units: units)
            for minimum in 0...6 {
                let expected = byParts(value, minimumFractionDigits: minimum)
                #expect(value.formatted(minimumFractionDigits: minimum) == expected)
            }
        }
    }

    @Test func multipliesExactlyOrNotAtAll() {
        let weight = ExactDecimal(units: 3_000)  // 0.3
        #expect(ExactDecimal(units: 900_100).exactlyMultiplied(by: weight) == ExactDecimal(units: 270_030))  // 27.003
        #expect(ExactDecimal(units: 1).exactlyMultiplied(by: weight) == nil)  // 0.00003 needs 5 decimals
    }
}

@Suite struct QuotaTests {
    @Test func twentyPercentOfTwentyTwoIsFour() {
        #expect(Quota(percent: ExactDecimal(20)).count(of: 22) == 4)
    }

    @Test(arguments: [
        (Quota.Rounding.floor, 40, 6), (.ceil, 40, 6), (.round, 40, 6),
        (.floor, 30, 4), (.ceil, 30, 5), (.round, 30, 5),  // 4.5
        (.floor, 29, 4), (.ceil, 29, 5), (.round, 29, 4),  // 4.35
        (.floor, 0, 0), (.ceil, 0, 0),
    ])
    func fifteenPercentRoundsAsConfigured(rounding: Quota.Rounding, population: Int, expected: Int) {
        #expect(Quota(percent: ExactDecimal(15), rounding: rounding).count(of: population) == expected)
    }
}
