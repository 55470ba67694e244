import Foundation
import KaopingCore
import KaopingWire

/// Renders live rankings for people (a table redrawn in place) and for programs (one JSON line per update), and
/// exports them as CSV or JSON.
public struct RankingView {
    public init() {}

    /// Remembered between updates to show what changed.
    private var previous: [String: (total: String, rank: UInt32)] = [:]

    /// The table for one ranking, with the change in total and rank since the previous call.
    public mutating func table(_ ranking: Kaoping_V1_Ranking, sequence: UInt64, stale: Bool, workers: Int) -> String {
        var out = "\(ranking.campaign) 排名 ranking — "
        out += ranking.final
            ? "最终 final"
            : "临时 provisional (\(ranking.cellsFilled)/\(ranking.cellsExpected) cells in)"
        out += "  #\(sequence)\(stale ? "  — 连接中断 aggregator silent, showing the last ranking" : "")\n\n"
        // Open findings (§五(二): no part of the score) in a column of their own, once there are any.
        let findings = Dictionary(
            ranking.feedback.districts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var table = TextTable(
            [
                .init("排名", alignRight: true), .init("变化"), .init("居民区"), .init("总分", alignRight: true),
                .init("增减", alignRight: true), .init("等第"), .init("缺项", alignRight: true),
            ] + (findings.isEmpty ? [] : [.init("问题整改")]))
        var next: [String: (String, UInt32)] = [:]
        for district in ranking.districts {
            next[district.district] = (district.total, district.rank)
            var move = ""
            var delta = ""
            if let before = previous[district.district] {
                if before.rank > district.rank { move = "↑\(before.rank - district.rank)" }
                if before.rank < district.rank { move = "↓\(district.rank - before.rank)" }
                if let old = try? ExactDecimal.parseSigned(before.total, maxFractionDigits: 4),
                    let new = try? ExactDecimal.parseSigned(district.total, maxFractionDigits: 4), old != new
                {
                    delta = (new > old ? "+" : "") + (new - old).description
                }
            }
            let open = findings[district.district].map {
                "\($0.open) 未销号" + ($0.overdue > 0 ? "，\($0.overdue) 逾期" : "")
            }
            table.append([
                "\(district.rank)", move, district.name.isEmpty ? district.district : district.name, district.total,
                delta, Self.gradeLabel(district.grade), district.missing.isEmpty ? "" : "\(district.missing.count)",
                open ?? "",
            ])
        }
        previous = next
        out += table.render()
        if workers > 0, !ranking.workers.isEmpty {
            var top = TextTable([
                .init("排名", alignRight: true), .init("社区工作者"), .init("居民区"), .init("总分", alignRight: true),
                .init("等第"),
            ])
            for worker in ranking.workers.prefix(workers) {
                top.append(["\(worker.rank)", "\(worker.name) \(worker.worker)", worker.district, worker.total,
                            Self.gradeLabel(worker.grade)])
            }
            out += "\n" + top.render()
        }
        return out
    }

    /// A short line: sequence, provisional or final, cells in, and the leader.
    public static func briefLine(_ ranking: Kaoping_V1_Ranking, sequence: UInt64) -> String {
        let leader = ranking.districts.first.map { " — 第一 \($0.name) \($0.total)" } ?? ""
        return "#\(sequence) \(ranking.final ? "最终 final" : "临时 provisional") "
            + "\(ranking.cellsFilled)/\(ranking.cellsExpected) cells\(leader)"
    }

    /// One JSON object on one line: sequence, campaign, final, districts and workers with totals, ranks, grades.
    public static func jsonLine(_ ranking: Kaoping_V1_Ranking, sequence: UInt64) -> String {
        let object: [String: Any] = [
            "sequence": sequence, "campaign": ranking.campaign, "final": ranking.final,
            "ledger_position": ranking.ledgerPosition, "cells_expected": ranking.cellsExpected,
            "cells_filled": ranking.cellsFilled,
            "findings": ranking.feedback.districts.map {
                ["district": $0.id, "open": $0.open, "overdue": $0.overdue] as [String: Any]
            },
            "districts": ranking.districts.map {
                ["district": $0.district, "total": $0.total, "rank": $0.rank, "grade": $0.grade] as [String: Any]
            },
            "workers": ranking.workers.map {
                ["worker": $0.worker, "district": $0.district, "total": $0.total, "rank": $0.rank, "grade": $0.grade]
                    as [String: Any]
            },
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Districts then workers as CSV, with a UTF-8 BOM so that spreadsheet programs read the Chinese correctly.
    public static func csv(_ ranking: Kaoping_V1_Ranking) -> String {
        let status = ranking.final ? "最终 final" : "临时 provisional"
        var rows = [["类型 kind", "排名 rank", "编号 id", "名称 name", "居民区 district", "总分 total", "等第 grade",
                     "等第代码 grade code", "状态 status"]]
        for district in ranking.districts {
            rows.append(["居民区", "\(district.rank)", district.district, district.name, district.district,
                         district.total, gradeLabel(district.grade), district.grade, status])
        }
        for worker in ranking.workers {
            rows.append(["社区工作者", "\(worker.rank)", worker.worker, worker.name, worker.district, worker.total,
                         gradeLabel(worker.grade), worker.grade, status])
        }
        // Ids and names (from the catalog and the roster) could read as a formula in a spreadsheet; totals, which
        // may be negative, stay numbers.
        let texts: Set<Int> = [2, 3, 4]
        let lines = rows.map { row in
            row.enumerated().map { texts.contains($0) ? CSVTable.spreadsheetField($1) : CSVTable.field($1) }
                .joined(separator: ",")
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The ranking as one JSON document (districts and workers with names), pretty-printed.
    public static func json(_ ranking: Kaoping_V1_Ranking) -> String {
        let object: [String: Any] = [
            "campaign": ranking.campaign, "final": ranking.final, "ledger_position": ranking.ledgerPosition,
            "districts": ranking.districts.map {
                ["district": $0.district, "name": $0.name, "total": $0.total, "rank": $0.rank, "grade": $0.grade,
                 "indicators": $0.indicators, "missing": $0.missing] as [String: Any]
            },
            "workers": ranking.workers.map {
                ["worker": $0.worker, "name": $0.name, "district": $0.district, "total": $0.total, "rank": $0.rank,
                 "grade": $0.grade] as [String: Any]
            },
        ]
        let data = try! JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func gradeLabel(_ code: String) -> String {
        DistrictGrade(rawValue: code)?.label ?? WorkerGrade(rawValue: code)?.label ?? code
    }
}
