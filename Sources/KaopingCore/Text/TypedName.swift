import Foundation

/// Ids and names as people type them into a spreadsheet or a command line.
public enum TypedName {
    /// The id of the item of `items` that `text` names by its id or one of its names: exactly, or else as a clerk
    /// may type it — letters in either case, letters and digits in full width (Ｄ０５, from a Chinese input method),
    /// compared after NFKC and upper case. Nil when it names none.
    public static func id<Item>(
        _ text: String, in items: [Item], id: KeyPath<Item, String>, names: [KeyPath<Item, String>] = []
    ) -> String? {
        let keys = [id] + names
        if let exact = items.first(where: { item in keys.contains { item[keyPath: $0] == text } }) {
            return exact[keyPath: id]
        }
        let folded = folded(text)
        return items.first { item in keys.contains { Self.folded(item[keyPath: $0]) == folded } }?[keyPath: id]
    }

    /// The month of `periods` (each `YYYY-MM`) that `text` names as a clerk types it or a spreadsheet turns it:
    /// `2023-03`, `2023-3`, `2023/3`, `2023.03`, `202303`, `2023年3月`, `2023/3/1` and `2023-03-01` (what Excel
    /// makes of a typed 2023-03: a date, the month's first day), `Mar-23` or `March 2023` (the same in an English
    /// Excel), and `3月` when the campaign has one month 3. Nil when it names none: another day than the first is a
    /// date, not a month.
    public static func period(_ text: String, in periods: [String]) -> String? {
        if periods.contains(text) { return text }
        guard let (year, month) = yearAndMonth(folded(text)), (1...12).contains(month) else { return nil }
        let matches = periods.filter { period in
            guard let (periodYear, periodMonth) = yearAndMonth(period) else { return false }
            return periodMonth == month && (year == nil || year == periodYear)
        }
        return matches.count == 1 ? matches[0] : nil
    }

    /// The day `text` names as a clerk types it or a spreadsheet turns it, as `YYYY-MM-DD`: `2024-03-31`,
    /// `2024-3-31`, `2024/3/31`, `2024.3.31`, `20240331`, `2024年3月31日` (full-width digits too). Nil for anything
    /// else, or a day the calendar does not have.
    public static func day(_ text: String) -> String? {
        let folded = text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
        var parts = folded.split(whereSeparator: { !$0.isNumber }).map(String.init)
        if parts.count == 1, parts[0].count == 8 {
            let digits = parts[0]
            parts = [String(digits.prefix(4)), String(digits.dropFirst(4).prefix(2)), String(digits.suffix(2))]
        }
        guard parts.count == 3, parts[0].count == 4, let month = Int(parts[1]), let day = Int(parts[2]),
            folded.allSatisfy({ $0.isNumber || "-/.年月日 ".contains($0) })
        else { return nil }
        let text = parts[0] + "-" + (month < 10 ? "0" : "") + "\(month)" + "-" + (day < 10 ? "0" : "") + "\(day)"
        return CalendarDay(text)?.text
    }

    /// A number as a clerk types it: full-width digits and point (１３．５, from a Chinese input method's full-width
    /// mode) are the ASCII ones, and `unit` (分 after a score, % after a rate as a spreadsheet shows a percentage)
    /// may follow it. Anything else is left for the rules to refuse with their own words.
    public static func number(_ text: String, unit: String? = nil) -> String {
        var number = text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
        if let unit, number.hasSuffix(unit) {
            number = String(number.dropLast(unit.count)).trimmingCharacters(in: .whitespaces)
        }
        return number
    }

    private static let monthNames = [
        "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER",
        "DECEMBER",
    ]

    /// The year (when given) and month of a folded text, by its runs of digits and of letters.
    private static func yearAndMonth(_ text: String) -> (year: Int?, month: Int)? {
        var numbers: [Substring] = []
        var words: [Substring] = []
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        while let first = rest.first {
            if first.isASCII, first.isNumber {
                let run = rest.prefix { $0.isASCII && $0.isNumber }
                numbers.append(run)
                rest = rest.dropFirst(run.count)
            } else if first.isASCII, first.isLetter {
                let run = rest.prefix { $0.isASCII && $0.isLetter }
                words.append(run)
                rest = rest.dropFirst(run.count)
            } else if "-/. 年月日".contains(first) {
                rest = rest.dropFirst()
            } else {
                return nil
            }
        }
        let values = numbers.compactMap { Int($0) }
        if let word = words.first {
            guard words.count == 1, word.count >= 3, values.count == 1,
                let month = monthNames.firstIndex(where: { $0.hasPrefix(word) }),
                numbers[0].count == 2 || numbers[0].count == 4
            else { return nil }
            return (numbers[0].count == 2 ? 2000 + values[0] : values[0], month + 1)
        }
        let lengths = numbers.map(\.count)
        let short = 1...2
        if lengths == [6] { return (values[0] / 100, values[0] % 100) }  // 202303
        guard let first = lengths.first, lengths.dropFirst().allSatisfy(short.contains) else { return nil }
        if first == 4, lengths.count == 2 { return (values[0], values[1]) }  // 2023-03
        if first == 4, lengths.count == 3, values[2] == 1 { return (values[0], values[1]) }  // 2023/3/1
        if short.contains(first), lengths.count == 1, text.hasSuffix("月") { return (nil, values[0]) }  // 3月
        return nil
    }

    private static func folded(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.uppercased()
    }
}

extension Catalog {
    /// The id of the district `typed` names by its id or name, as ``TypedName`` reads them (d05, 居民区０５).
    public func districtID(typed: String) -> String? {
        TypedName.id(typed, in: districts, id: \.id, names: [\.name])
    }

    /// The id of the indicator `typed` names by its id, label or short label, as ``TypedName`` reads them.
    public func indicatorID(typed: String) -> String? {
        TypedName.id(typed, in: indicators, id: \.id, names: [\.label, \.shortLabel])
    }

    /// The hotline month `typed` names, as ``TypedName/period(_:in:)`` reads it (2023/3/1 is 2023-03).
    public func period(typed: String) -> String? {
        TypedName.period(typed, in: hotline.periods)
    }
}

extension Roster {
    /// The id of the worker `typed` names, in the other case or full width too (w0701, Ｗ０７０１), as ``TypedName``
    /// reads ids.
    public func workerID(typed: String) -> String? {
        TypedName.id(typed, in: workers, id: \.id)
    }
}
