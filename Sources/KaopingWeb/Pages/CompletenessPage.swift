import Foundation
import KaopingCore
import KaopingStore
import KaopingWire

/// 完成情况: which cells are in, as a districts × indicators heatmap (the hotline's 12 months each a column), who has
/// sent what and still owes what, and for the operator the refusals with their reasons.
enum CompletenessPage {
    /// The heatmap's columns: each district indicator but the hotline, then the hotline's months, as the feed names
    /// them in a district's missing list.
    static func columns(_ catalog: Catalog) -> [(id: String, label: String, title: String)] {
        var columns = catalog.districtIndicators.filter { $0.scope != .hotline }.map {
            (id: $0.id, label: $0.shortLabel, title: $0.label)
        }
        if let hotline = catalog.hotlineIndicator {
            columns += catalog.hotline.periods.map { period in
                let month = Int(period.split(separator: "-").last ?? "") ?? 0
                return (id: "hotline:\(period)", label: "\(month)月", title: "\(hotline.label) \(period)")
            }
        }
        return columns
    }

    static func render(
        _ context: PageContext, status: Result<Kaoping_V1_StatusReply, WireError>, refusals: [AuditEntry]?
    ) -> Page {
        let columns = columns(context.catalog)
        let districts = context.snapshot.ranking.districts
        let rows = RankingPages.rows(context).map { districts[$0] }.sorted { $0.district < $1.district }
        let page = context.pageNumber
        let head: [HTML] = columns.map { "<th title=\"\($0.title)\">\($0.label)</th>" }
        let shown = Layout.slice(rows, page: page)
        let body = shown.map { row -> HTML in
            let missing = Set(row.missing)
            let cells: [HTML] = columns.map { column in
                let absent = missing.contains(column.id)
                return """
                    <td class="cell \(absent ? "missing" : "filled")" data-cell="\(row.district)/\(column.id)" \
                    title="\(row.name) \(column.title)：\(absent ? "未收到" : "已收到")"></td>
                    """
            }
            return """
                <tr data-district="\(row.district)"><th scope="row">\
                <a href="/districts/\(row.district)">\(row.name)</a></th>\(cells)\
                <td class="num">\(row.missing.count)</td></tr>
                """
        }
        let ranking = context.snapshot.ranking
        let percent = ranking.cellsExpected == 0 ? 0 : Int(ranking.cellsFilled) * 100 / Int(ranking.cellsExpected)
        var sections: [HTML] = [
            """
            <h1>完成情况</h1>
            <p>已收 <b>\(ranking.cellsFilled)</b> / \(ranking.cellsExpected) 项（\(percent)%）。\
            绿色为已收到，红色为尚未收到；社区工作者的评分见各居民区页面。</p>
            <progress value="\(ranking.cellsFilled)" max="\(max(ranking.cellsExpected, 1))"></progress>
            <table class="heatmap"><thead><tr><th>居民区</th>\(head)<th class="num">缺项</th></tr></thead>
            <tbody>\(body)</tbody></table>
            \(Layout.pager(page: page, count: rows.count, noun: "居民区", query: context.query, path: "/completeness"))
            """
        ]
        if context.role.district == nil {
            sections.append(submitters(context, status: status, districts: Set(shown.map(\.district))))
            if let owner = context.query["owner"] { sections.append(owed(context, by: owner)) }
        }
        if let refusals {
            sections.append(refusalTable(context, status: try? status.get(), refusals: refusals))
        }
        return Page(title: "完成情况", tab: .completeness, body: sections.joined())
    }

    /// Each submitter's counts: every department, and the heads of `districts` (those the heatmap shows): a city's
    /// thousands of district heads are read a page at a time, as their districts are.
    private static func submitters(
        _ context: PageContext, status: Result<Kaoping_V1_StatusReply, WireError>, districts: Set<String>
    ) -> HTML {
        switch status {
        case .failure(let error):
            return "<h2>各部门报送情况</h2><p class=\"error\">暂时读不到汇总服务的报送状态：\(error.message)</p>"
        case .success(let reply):
            let listed = reply.submitters.filter { submitter in
                SubmitterReference.leaderDistrict(of: submitter.submitter).map(districts.contains) ?? true
            }
            let heads = reply.submitters.count - listed.count
            let rows = listed.map { submitter -> HTML in
                let seen =
                    submitter.lastSeenMs == 0
                    ? "从未联系" : context.time(Timestamp(milliseconds: submitter.lastSeenMs))
                let filled = submitter.accepted
                let expected = submitter.accepted + submitter.owed
                return """
                    <tr data-submitter="\(submitter.submitter)"><td>\(submitter.name)</td>\
                    <td><a href="/completeness?owner=\(submitter.submitter)#owed">\(submitter.submitter)</a></td>\
                    <td class="num">\(filled) / \(expected)</td><td class="num owed">\(submitter.owed)</td>\
                    <td class="num">\(submitter.rejected)</td><td>\(seen)</td></tr>
                    """
            }
            return """
                <h2>各部门报送情况</h2>
                <table class="submitters"><thead><tr><th>报送方</th><th>编号</th><th class="num">已收 / 应收</th>\
                <th class="num">尚欠</th><th class="num">拒收</th><th>最近联系</th></tr></thead>
                <tbody>\(rows)</tbody></table>\(more(heads))
                """
        }
    }

    /// What the submitters' table leaves out: the heads of districts on other pages of the heatmap.
    private static func more(_ heads: Int) -> HTML {
        heads == 0 ? "" : "<p class=\"more\">另有 \(heads) 位居民区负责人未列出：这里只列本页居民区的负责人。</p>"
    }

    /// The district cells `owner` still owes, from the ranking's missing cells and the catalog's owners (a worker's
    /// cells are listed on its district's page).
    static func owedCells(_ context: PageContext, by owner: String) -> [(district: String, column: String)] {
        let columns = Dictionary(columns(context.catalog).map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
        return context.snapshot.ranking.districts.flatMap { district in
            district.missing.compactMap { cell -> (String, String)? in
                let indicator =
                    cell.hasPrefix("hotline:") ? context.catalog.hotlineIndicator : context.catalog.indicator(cell)
                guard indicator?.owner(district: district.district) == owner else { return nil }
                return (district.district, columns[cell] ?? cell)
            }
        }
    }

    private static func owed(_ context: PageContext, by owner: String) -> HTML {
        let cells = owedCells(context, by: owner)
        let items = cells.prefix(500).map { cell -> HTML in
            "<li data-owed=\"\(cell.district)\">\(context.districtName(cell.district))：\(cell.column)</li>"
        }
        let more: HTML = cells.count > 500 ? "<p>另有 \(cells.count - 500) 项未列出。</p>" : ""
        return """
            <h2 id="owed">\(owner) 尚欠的居民区评分（\(cells.count) 项）</h2>
            <ul class="owed">\(items)</ul>\(more)
            """
    }

    private static func refusalTable(
        _ context: PageContext, status: Kaoping_V1_StatusReply?, refusals: [AuditEntry]
    ) -> HTML {
        let counts: [HTML] = (status?.rejections ?? [:]).sorted { $0.key < $1.key }.map { reason, count in
            "<li>\(reason)：\(count)</li>"
        }
        let rows = refusals.map { entry -> HTML in
            """
            <tr><td>\(context.time(entry.at))</td><td>\(entry.event)</td><td>\(entry.subject)</td>\
            <td>\(entry.submitter)</td><td class="reason">\(entry.reason)</td></tr>
            """
        }
        return """
            <h2>拒收记录</h2>
            <ul class="counts">\(counts)</ul>
            <table class="refusals"><thead><tr><th>时间</th><th>类型</th><th>单元格</th><th>报送方</th><th>原因</th>\
            </tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
