import Foundation
import KaopingClient
import KaopingCore
import KaopingWire

/// 问题整改: the departments' findings and the districts' plans (§五(二)). The overview counts open and overdue
/// findings per district and department — from the feed, live — and lists every finding the account may read; a
/// district's page shows each of its findings with its whole history. Findings never change a score.
enum FeedbackPage {
    static func overview(_ context: PageContext, list: Result<Kaoping_V1_FeedbackList, WireError>) -> Page {
        let counts = context.snapshot.ranking.feedback
        let districts = counts.districts.filter { context.role.reads(district: $0.id) }
        let countRows: [HTML] = districts.map { count in
            """
            <tr data-district="\(count.id)"><th scope="row"><a href="/findings/\(count.id)">\
            \(context.districtName(count.id))</a></th><td class="num">\(count.open)</td>\
            <td class="num\(count.overdue > 0 ? " late" : "")">\(count.overdue)</td></tr>
            """
        }
        var sections: [HTML] = [
            """
            <h1>问题反馈与整改</h1>
            <p>相关部门反馈居民区工作存在的问题，居民区制定整改方案（考评办法第五条第二款）。问题反馈不计入任何分数。\
            截至 \(counts.today.isEmpty ? "—" : counts.today)，未销号与逾期的问题：</p>
            <table class="feedback-counts"><thead><tr><th>居民区</th><th class="num">未销号</th>\
            <th class="num">逾期</th></tr></thead>
            <tbody>\(countRows.isEmpty ? ["<tr><td colspan=\"3\">没有未销号的问题</td></tr>"] : countRows)</tbody></table>
            """
        ]
        if context.role.district == nil, !counts.departments.isEmpty {
            let rows: [HTML] = counts.departments.map { count in
                let name = context.catalog.submitters.first { $0.id == count.id }?.name ?? count.id
                return """
                    <tr><th scope="row">\(name)</th><td class="num">\(count.open)</td>\
                    <td class="num\(count.overdue > 0 ? " late" : "")">\(count.overdue)</td></tr>
                    """
            }
            sections.append(
                """
                <h2>按反馈部门</h2>
                <table class="feedback-counts"><thead><tr><th>部门</th><th class="num">未销号</th>\
                <th class="num">逾期</th></tr></thead><tbody>\(rows)</tbody></table>
                """)
        }
        sections.append(table(context, items: list.map(FeedbackListing.items(of:)), district: nil))
        return Page(title: "问题整改", tab: .findings, body: sections.joined())
    }

    static func district(
        _ context: PageContext, district: District, list: Result<Kaoping_V1_FeedbackList, WireError>
    ) -> Page {
        // Each finding's messages decoded once, for the table and the histories.
        let items = list.map(FeedbackListing.items(of:))
        var sections: [HTML] = [
            """
            <h1>\(district.name) · 问题反馈与整改</h1>
            <p><a href="/districts/\(district.id)">本居民区的得分</a> · 问题反馈不计入任何分数。</p>
            """,
            table(context, items: items, district: district.id),
        ]
        if case .success(let listed) = list, case .success(let items) = items {
            let listing = FeedbackListing(catalog: context.catalog)
            for item in items where item.finding.district == district.id {
                sections.append(
                    """
                    <section class="finding\(item.listed.overdue ? " overdue" : "")" id="\(item.finding.id)">\
                    <h2>\(item.finding.id)</h2><pre class="history">\(listing.text(item, today: listed.today))</pre>\
                    </section>
                    """)
            }
        }
        return Page(title: "\(district.name) 问题整改", tab: .findings, body: sections.joined())
    }

    /// One row per finding the account may read (of `district` only, when given), overdue ones marked.
    private static func table(
        _ context: PageContext, items: Result<[FeedbackListing.Item], WireError>, district: String?
    ) -> HTML {
        let all: [FeedbackListing.Item]
        switch items {
        case .failure(let error): return "<p class=\"error\">暂时无法取得问题清单（\(error.message)）</p>"
        case .success(let got): all = got
        }
        let items = all.filter { item in
            context.role.reads(district: item.finding.district)
                && (district == nil || item.finding.district == district)
        }
        let listing = FeedbackListing(catalog: context.catalog)
        let rows: [HTML] = items.map { item in
            let finding = item.finding
            let owed = item.listed.owedBy.isEmpty ? "—" : listing.submitterName(item.listed.owedBy)
            return """
                <tr class="\(item.listed.overdue ? "overdue" : "")" data-finding="\(finding.id)">\
                <td><a href="/findings/\(finding.district)#\(finding.id)">\(finding.id)</a></td>\
                <td>\(context.districtName(finding.district))</td>\
                <td>\(listing.submitterName(finding.submitter))</td>\
                <td>\(context.catalog.indicator(finding.indicator)?.shortLabel ?? "")</td><td>\(finding.text)</td>\
                <td>\(item.state.label)\(item.listed.overdue ? "（逾期）" : "")</td>\
                <td>\(item.listed.due.isEmpty ? "—" : item.listed.due)</td><td>\(owed)</td></tr>
                """
        }
        let empty: [HTML] = ["<tr><td colspan=\"8\">没有问题反馈</td></tr>"]
        return """
            <h2>问题清单</h2>
            <table class="findings"><thead><tr><th>编号</th><th>居民区</th><th>反馈部门</th><th>指标</th><th>问题</th>\
            <th>状态</th><th>期限</th><th>下一步由</th></tr></thead><tbody>\(rows.isEmpty ? empty : rows)</tbody></table>
            """
    }
}
