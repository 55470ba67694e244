import Foundation
import KaopingCore
import KaopingWire

/// 综合排名 and 社区工作者: the live ranking of districts and of workers, filtered and paged on the server.
enum RankingPages {
    /// Where the district rows `context` may see and asked for are in the ranking: a district account its own only;
    /// `q` matches a name or an id, `grade` a grade. Rows are made (totals read, margins worked out) only for what
    /// is shown.
    static func rows(_ context: PageContext) -> [Int] {
        let query = context.query["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let grade = context.query["grade"] ?? ""
        return context.snapshot.ranking.districts.indices.filter { position in
            let row = context.snapshot.ranking.districts[position]
            return context.role.reads(district: row.district)
                && (query.isEmpty || row.name.contains(query) || row.district.localizedCaseInsensitiveContains(query))
                && (grade.isEmpty || row.grade == grade)
        }
    }

    static func ranking(_ context: PageContext) -> Page {
        let indicators = context.catalog.districtIndicators
        let rows = rows(context)
        let page = context.pageNumber
        let head: [HTML] = indicators.map { "<th class=\"num\" title=\"\($0.label)\">\($0.shortLabel)</th>" }
        let body = Layout.slice(rows, page: page).map { position -> HTML in
            let row = context.snapshot.row(at: position)
            let rank = row.rank
            let cells: [HTML] = indicators.map { indicator in
                let value = rank.indicators[indicator.id]
                return "<td class=\"num\" data-indicator=\"\(indicator.id)\">\(value ?? "—")</td>"
            }
            let changed = context.snapshot.changedAt[rank.district] == context.snapshot.sequence
            let marker: HTML = changed ? " <span class=\"tag\">刚更新</span>" : ""
            let marked: HTML = changed ? " class=\"changed\"" : ""
            return """
                <tr data-district="\(rank.district)"\(marked)>\
                <td class="num" data-field="rank">\(rank.rank)</td>\
                <td><a href="/districts/\(rank.district)">\(rank.name.isEmpty ? rank.district : rank.name)</a>\
                \(marker)</td>\
                \(cells)<td class="num total" data-field="total">\(rank.total)</td>\
                <td class="grade \(rank.grade)" data-field="grade">\(context.label(ofDistrictGrade: rank.grade))</td>\
                <td class="num" data-field="to-next">\(margin(row.toNextGrade))</td>\
                <td class="num" data-field="above-below">\(margin(row.aboveGradeBelow))</td>\
                <td class="num" data-field="missing">\(rank.missing.isEmpty ? "" : "\(rank.missing.count)")</td></tr>
                """
        }
        let choices: [(String, String)] =
            [("", "全部等第")] + RankingSnapshot.gradeOrder.map { ($0, context.label(ofDistrictGrade: $0)) }
        let grades = choices.map { value, label -> HTML in
                let selected: HTML = context.query["grade"] == value ? " selected" : ""
                return "<option value=\"\(value)\"\(selected)>\(label)</option>"
            }
        let filter: HTML =
            context.role.district == nil
            ? """
            <form class="filter" method="get" action="/ranking">
            <input name="q" placeholder="居民区名称或编号" value="\(context.query["q"] ?? "")">
            <select name="grade">\(grades)</select> <button type="submit">筛选</button></form>
            """ : ""
        return Page(
            title: "综合排名", tab: .ranking,
            body: """
                <h1>综合排名</h1>
                <p class="hint">“距上一等第”：总分再加多少分可进入上一等第；“领先下一等第”：总分高出下一等第最高分多少。\
                等第按名额评定，随其他居民区的分数变化。</p>
                \(filter)
                <table class="ranking"><thead><tr><th class="num">排名</th><th>居民区</th>\(head)\
                <th class="num">总分</th><th>等第</th><th class="num">距上一等第</th><th class="num">领先下一等第</th>\
                <th class="num">缺项</th></tr></thead>
                <tbody>\(body)</tbody></table>
                \(Layout.pager(page: page, count: rows.count, noun: "居民区", query: context.query, path: "/ranking"))
                """)
    }

    static func margin(_ value: ExactDecimal?) -> String { value?.description ?? "—" }

    /// The worker rows `context` may see and asked for.
    static func workerRows(_ context: PageContext) -> [Kaoping_V1_WorkerRank] {
        let query = context.query["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
        return context.snapshot.ranking.workers.filter { worker in
            context.role.reads(district: worker.district)
                && (query.isEmpty || worker.name.contains(query)
                    || worker.worker.localizedCaseInsensitiveContains(query)
                    || worker.district.localizedCaseInsensitiveContains(query))
        }
    }

    static func workers(_ context: PageContext) -> Page {
        let rows = workerRows(context)
        let page = context.pageNumber
        let body = Layout.slice(rows, page: page).map { worker -> HTML in
            """
            <tr data-worker="\(worker.worker)" data-district="\(worker.district)">\
            <td class="num">\(worker.rank)</td><td>\(worker.name)</td><td>\(worker.worker)</td>\
            <td><a href="/districts/\(worker.district)">\(context.districtName(worker.district))</a></td>\
            <td class="num total">\(worker.total)</td>\
            <td class="grade \(worker.grade)">\(context.label(ofWorkerGrade: worker.grade))</td></tr>
            """
        }
        let filter: HTML =
            context.role.district == nil
            ? """
            <form class="filter" method="get" action="/workers">
            <input name="q" placeholder="姓名、编号或居民区" value="\(context.query["q"] ?? "")">
            <button type="submit">筛选</button></form>
            """ : ""
        return Page(
            title: "社区工作者", tab: .workers,
            body: """
                <h1>社区工作者排名</h1>
                \(filter)
                <table class="workers"><thead><tr><th class="num">排名</th><th>姓名</th><th>编号</th><th>居民区</th>\
                <th class="num">总分</th><th>等第</th></tr></thead>
                <tbody>\(body)</tbody></table>
                \(Layout.pager(page: page, count: rows.count, noun: "社区工作者", query: context.query, path: "/workers"))
                """)
    }
}
