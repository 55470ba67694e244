import Foundation
import Synchronization

/// Times as the sub-district reads and types them, on every machine alike: China Standard Time (Asia/Shanghai),
/// `2026-11-28 14:05:00`. An aggregator host or a vendor's server kept on UTC shows the times a clerk's PC in
/// Shanghai shows, and a time read off `kaoping` can be typed into `kaoping-agent` as it is.
public enum ChinaTime {
    /// Asia/Shanghai; UTC+8 (China keeps no daylight saving time) where the machine has no time zone data.
    public static let zone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    /// The forms `parse` takes, most precise first.
    static let forms = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm",
                        "yyyy-MM-dd"]

    /// The moment `text` names (a day alone is its midnight); nil for anything else.
    public static func parse(_ text: String) -> Timestamp? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for form in forms {
            if let date = formatter(form).date(from: trimmed) {
                return Timestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
            }
        }
        return nil
    }

    /// `moment` in the first of ``forms``, with one formatter shared by every thread: making a formatter is most of
    /// the cost of one time (72 000 times took 2.8 s with a formatter each, 0.08 s with one), and a page of the web
    /// console shows thousands.
    public static func format(_ moment: Timestamp) -> String {
        shared.withLock { $0.string(from: moment.date) }
    }

    /// The formatter of ``format(_:)``, used by one thread at a time (a `DateFormatter` is not safe to share).
    private static let shared = Mutex(formatter(forms[0]))

    /// ``format(_:)`` with a formatter of its own, for a listing that formats many times on one thread.
    public static func printer() -> (Timestamp) -> String {
        let formatter = formatter(forms[0])
        return { formatter.string(from: $0.date) }
    }

    private static func formatter(_ form: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.isLenient = false
        formatter.dateFormat = form
        return formatter
    }
}
