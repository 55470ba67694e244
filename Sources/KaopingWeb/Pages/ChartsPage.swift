import Foundation
import KaopingCore

/// 图表: the grade distribution, the distribution of totals and the cells filled over time, drawn on the server as
/// SVG (nothing is fetched from elsewhere: many government networks have no internet).
enum ChartsPage {
    static func render(_ context: PageContext, filled: [(at: Timestamp, filled: UInt32)]) -> Page {
        let rows = context.snapshot.rows
        let grades = RankingSnapshot.gradeOrder.map { grade in
            (label: context.label(ofDistrictGrade: grade), count: rows.count { $0.rank.grade == grade }, style: grade)
        }
        return Page(
            title: "图表", tab: .charts,
            body: """
                <h1>图表</h1>
                <section><h2>等第分布（居民区）</h2>\(bars(grades.map { ($0.label, Double($0.count), $0.style) }))</section>
                <section><h2>总分分布（居民区）</h2>\(bars(histogram(rows.map(\.total))))</section>
                <section><h2>已收项数随时间</h2>\(line(filled, expected: context.snapshot.ranking.cellsExpected, context))\
                </section>
                """)
    }

    /// Totals in bins of 5 points.
    static func histogram(_ totals: [ExactDecimal]) -> [(String, Double, String)] {
        guard let low = totals.min(), let high = totals.max() else { return [] }
        let width: Int64 = 5
        let first = Int64((Double(low.units) / Double(ExactDecimal.scale) / Double(width)).rounded(.down))
        let last = Int64((Double(high.units) / Double(ExactDecimal.scale) / Double(width)).rounded(.down))
        var counts = [Int](repeating: 0, count: Int(last - first + 1))
        for total in totals {
            let bin = Int64((Double(total.units) / Double(ExactDecimal.scale) / Double(width)).rounded(.down))
            counts[Int(bin - first)] += 1
        }
        return counts.enumerated().map { offset, count in
            let from = (first + Int64(offset)) * width
            return ("\(from)–\(from + width)", Double(count), "bin")
        }
    }

    /// A bar chart: one bar per item, its count above it.
    static func bars(_ items: [(String, Double, String)]) -> HTML {
        guard !items.isEmpty else { return "<p>尚无数据。</p>" }
        let width = 640.0
        let height = 220.0
        let top = max(items.map(\.1).max() ?? 1, 1)
        let slot = (width - 40) / Double(items.count)
        let bars = items.enumerated().map { index, item -> HTML in
            let (label, value, style) = item
            let barHeight = (height - 50) * value / top
            let x = 30 + Double(index) * slot
            return """
                <g class="bar \(style)"><rect x="\(fixed(x + slot * 0.15))" y="\(fixed(height - 25 - barHeight))" \
                width="\(fixed(slot * 0.7))" height="\(fixed(barHeight))"></rect>\
                <text x="\(fixed(x + slot / 2))" y="\(fixed(height - 30 - barHeight))" text-anchor="middle">\
                \(Int(value))</text><text x="\(fixed(x + slot / 2))" y="\(fixed(height - 8))" text-anchor="middle" \
                class="axis">\(label)</text></g>
                """
        }
        return """
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img">\
            <line x1="30" y1="\(fixed(height - 25))" x2="\(fixed(width - 10))" y2="\(fixed(height - 25))" \
            class="axis"></line>\(bars)</svg>
            """
    }

    /// A line of cells filled against time, up to `expected`.
    static func line(_ samples: [(at: Timestamp, filled: UInt32)], expected: UInt32, _ context: PageContext) -> HTML {
        guard let first = samples.first, let last = samples.last, last.at > first.at else {
            return "<p>尚无足够数据。</p>"
        }
        let width = 640.0
        let height = 220.0
        let span = Double(last.at.milliseconds - first.at.milliseconds)
        let top = Double(max(expected, last.filled, 1))
        // At most 400 points: every n-th sample, the last always.
        let step = max(1, samples.count / 400)
        let kept = samples.enumerated().filter { $0.offset % step == 0 || $0.offset == samples.count - 1 }
            .map(\.element)
        let points: String = kept.map { sample -> String in
            let x = 40 + (width - 60) * Double(sample.at.milliseconds - first.at.milliseconds) / span
            let y = height - 30 - (height - 50) * Double(sample.filled) / top
            return "\(fixed(x)),\(fixed(y))"
        }.joined(separator: " ")
        return """
            <svg class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img">\
            <line x1="40" y1="\(fixed(height - 30))" x2="\(fixed(width - 20))" y2="\(fixed(height - 30))" class="axis">\
            </line><line x1="40" y1="20" x2="\(fixed(width - 20))" y2="20" class="goal"></line>\
            <text x="42" y="16" class="axis">应收 \(expected)</text>\
            <polyline class="filled" points="\(points)"></polyline>\
            <text x="40" y="\(fixed(height - 10))" class="axis">\(context.time(first.at))</text>\
            <text x="\(fixed(width - 20))" y="\(fixed(height - 10))" text-anchor="end" class="axis">\
            \(context.time(last.at))（\(last.filled)）</text></svg>
            """
    }

    private static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }
}
