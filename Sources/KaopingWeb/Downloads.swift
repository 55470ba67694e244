import CXlsxWriter
import Foundation
import KaopingCore
import KaopingWire

/// The ranking as a file to keep or pass on: CSV (UTF-8 with a BOM, so that Excel reads the Chinese) and .xlsx
/// (through Debian's libxlsxwriter). Each starts by stating the campaign, the ledger position and whether the ranking
/// is final, and holds only the rows its reader may see.
enum Downloads {
    struct Table {
        var preamble: [String]
        var header: [String]
        /// Each cell as text; `numeric` says which columns are numbers (written as numbers in .xlsx).
        var rows: [[String]]
        var numeric: Set<Int>
    }

    static func preamble(_ snapshot: RankingSnapshot, catalog: Catalog) -> [String] {
        let ranking = snapshot.ranking
        return [
            "考评活动", catalog.campaign, "账本位置", "\(ranking.ledgerPosition)", "状态",
            ranking.final ? "最终排名" : "临时排名（已收 \(ranking.cellsFilled) / \(ranking.cellsExpected) 项）",
        ]
    }

    static func districts(_ rows: [RankingSnapshot.Row], snapshot: RankingSnapshot, catalog: Catalog) -> Table {
        let indicators = catalog.districtIndicators
        let header = ["排名", "编号", "居民区"] + indicators.map(\.label) + ["总分", "等第", "距上一等第", "领先下一等第", "缺项"]
        let body = rows.map { row in
            ["\(row.rank.rank)", row.rank.district, row.rank.name]
                + indicators.map { row.rank.indicators[$0.id] ?? "" }
                + [row.rank.total, DistrictGrade(rawValue: row.rank.grade)?.label ?? row.rank.grade,
                   row.toNextGrade?.description ?? "", row.aboveGradeBelow?.description ?? "",
                   "\(row.rank.missing.count)"]
        }
        var numeric = Set([0])
        numeric.formUnion(3..<(3 + indicators.count + 1))
        numeric.formUnion([header.count - 3, header.count - 2, header.count - 1])
        return Table(preamble: preamble(snapshot, catalog: catalog), header: header, rows: body, numeric: numeric)
    }

    static func workers(_ workers: [Kaoping_V1_WorkerRank], snapshot: RankingSnapshot, catalog: Catalog) -> Table {
        let body = workers.map { worker in
            ["\(worker.rank)", worker.worker, worker.name, worker.district,
             catalog.district(worker.district)?.name ?? "", worker.total,
             WorkerGrade(rawValue: worker.grade)?.label ?? worker.grade]
        }
        return Table(
            preamble: preamble(snapshot, catalog: catalog),
            header: ["排名", "编号", "姓名", "居民区编号", "居民区", "总分", "等第"], rows: body, numeric: [0, 5])
    }

    /// Each field as ``CSVTable/field(_:)`` writes it (quoted when it holds a comma, a quote or a line break). A
    /// field that a spreadsheet would run as a formula (starting with = + - @) gets a leading apostrophe.
    static func csv(_ table: Table) -> Data {
        func field(_ text: String, numeric: Bool) -> String {
            numeric ? CSVTable.field(text) : CSVTable.spreadsheetField(text)
        }
        var out = "\u{FEFF}"
        let lines = [table.preamble, []] + [table.header] + table.rows
        for (index, line) in lines.enumerated() {
            let isBody = index >= 3
            out += line.enumerated().map { field($1, numeric: isBody && table.numeric.contains($0)) }
                .joined(separator: ",") + "\r\n"
        }
        return Data(out.utf8)
    }

    /// An .xlsx workbook with one sheet per table (names at most 31 characters).
    static func xlsx(_ sheets: [(name: String, table: Table)]) throws -> Data {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("kaoping-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let workbook = workbook_new(path) else { throw WireError("cannot make a workbook in \(path)") }
        let bold = workbook_add_format(workbook)
        format_set_bold(bold)
        for (name, table) in sheets {
            let sheet = workbook_add_worksheet(workbook, name)
            for (column, text) in table.preamble.enumerated() {
                worksheet_write_string(sheet, 0, lxw_col_t(column), text, nil)
            }
            for (column, text) in table.header.enumerated() {
                worksheet_write_string(sheet, 2, lxw_col_t(column), text, bold)
            }
            for (index, row) in table.rows.enumerated() {
                let line = lxw_row_t(index + 3)
                for (column, text) in row.enumerated() {
                    if table.numeric.contains(column),
                        let value = try? ExactDecimal.parseSigned(text, maxFractionDigits: 4)
                    {
                        let number = Double(value.units) / Double(ExactDecimal.scale)
                        worksheet_write_number(sheet, line, lxw_col_t(column), number, nil)
                    } else if !text.isEmpty {
                        worksheet_write_string(sheet, line, lxw_col_t(column), text, nil)
                    }
                }
            }
            worksheet_freeze_panes(sheet, 3, 0)
        }
        let closed = workbook_close(workbook)
        guard closed == LXW_NO_ERROR, let data = FileManager.default.contents(atPath: path) else {
            throw WireError("libxlsxwriter could not write the workbook: \(String(cString: lxw_strerror(closed)))")
        }
        return data
    }
}
