import Foundation
import KaopingAccounts
import KaopingCore

/// What every page is drawn with: who asks, the ranking of the moment and the catalog's names.
struct PageContext: Sendable {
    let session: Session
    let snapshot: RankingSnapshot
    let catalog: Catalog
    /// The query asked with, for the pager's links.
    let query: [String: String]
    let now: Timestamp

    var role: Role { session.role }

    func label(ofDistrictGrade grade: String) -> String { DistrictGrade(rawValue: grade)?.label ?? grade }

    func label(ofWorkerGrade grade: String) -> String { WorkerGrade(rawValue: grade)?.label ?? grade }

    func districtName(_ id: String) -> String { catalog.district(id)?.name ?? id }

    /// A moment in China time, as people there read it.
    func time(_ moment: Timestamp?) -> String {
        guard let moment, moment.milliseconds > 0 else { return "—" }
        return ChinaTime.format(moment)
    }

    /// The page asked for (1 when absent or not a number).
    var pageNumber: Int { query["page"].flatMap(Int.init).map { max(1, $0) } ?? 1 }
}

/// A page: its title, which tab it is under, and its body.
struct Page {
    enum Tab: String, CaseIterable {
        case ranking, workers, completeness, findings, charts

        var title: String {
            switch self {
            case .ranking: return "综合排名"
            case .workers: return "社区工作者"
            case .completeness: return "完成情况"
            case .findings: return "问题整改"
            case .charts: return "图表"
            }
        }

        var path: String { "/" + rawValue }
    }

    let title: String
    let tab: Tab?
    let body: HTML
}

enum Layout {
    /// Rows a page shows: enough to read, few enough for a phone at city scale.
    static let pageSize = 50

    /// The live part of a page: the status line and the body. The browser swaps it whole when the ranking changes.
    static func live(_ page: Page, _ context: PageContext) -> HTML {
        let ranking = context.snapshot.ranking
        let state: HTML =
            ranking.final
            ? "<span class=\"badge final\">最终排名</span>"
            : "<span class=\"badge provisional\">临时排名</span>"
        let silent: HTML =
            context.snapshot.connected
            ? ""
            : "<span class=\"badge silent\">与汇总服务的连接中断，显示的是最后收到的排名</span>"
        return """
            <div id="status" class="status" data-sequence="\(context.snapshot.sequence)" \
            data-connected="\(context.snapshot.connected ? "1" : "0")">\(state) \
            已收 <b id="filled">\(ranking.cellsFilled)</b> / \(ranking.cellsExpected) 项 · \
            账本位置 \(ranking.ledgerPosition) · 更新于 \(context.time(Timestamp(milliseconds: ranking.updatedAtMs))) \
            \(silent)</div>
            <main id="main">\(page.body)</main>
            """
    }

    static func render(_ page: Page, _ context: PageContext) -> HTML {
        var links = Page.Tab.allCases.filter { context.role.district == nil || $0 != .charts }.map { tab -> HTML in
            let current: HTML = tab == page.tab ? " aria-current=\"page\"" : ""
            return "<a href=\"\(tab.path)\"\(current)>\(tab.title)</a>"
        }
        if let own = context.role.district {
            links.append("<a href=\"/districts/\(own)\">本居民区</a>")
        }
        links.append("<a href=\"/downloads/ranking.csv\">下载 CSV</a>")
        links.append("<a href=\"/downloads/ranking.xlsx\">下载 Excel</a>")
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(page.title) · 考评</title>
            <link rel="stylesheet" href="/static/console.css">
            <script src="/static/console.js" defer></script>
            </head>
            <body>
            <header><span class="brand">考评 · \(context.catalog.title)</span>
            <nav>\(links)</nav>
            <form class="signout" method="post" action="/signout">\
            <span class="who">\(context.session.account)（\(roleLabel(context.role))）</span>\
            <input type="hidden" name="csrf" value="\(context.session.csrf)">\
            <button type="submit">退出登录</button></form>
            </header>
            <div id="live">\(live(page, context))</div>
            </body></html>
            """
    }

    static func roleLabel(_ role: Role) -> String {
        switch role {
        case .leadership: return "领导"
        case .operator: return "考核办"
        case .district(let id): return "居民区 \(id)"
        }
    }

    /// The sign-in page; `problem` says why the last attempt failed.
    static func signIn(csrf: String, problem: String?, next: String) -> HTML {
        let message: HTML = problem.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>登录 · 考评</title>
            <link rel="stylesheet" href="/static/console.css">
            </head>
            <body class="signin"><form method="post" action="/signin">
            <h1>考评 · 登录</h1>\(message)
            <label>账号 <input name="name" autocomplete="username" required autofocus></label>
            <label>密码 <input name="password" type="password" autocomplete="current-password" required></label>
            <input type="hidden" name="csrf" value="\(csrf)">
            <input type="hidden" name="next" value="\(next)">
            <button type="submit">登录</button>
            </form></body></html>
            """
    }

    /// The pager under a table of `count` rows.
    static func pager(page: Int, count: Int, noun: String, query: [String: String], path: String) -> HTML {
        let pages = max(1, (count + pageSize - 1) / pageSize)
        func link(_ target: Int, _ text: String) -> HTML {
            var items = query
            items["page"] = String(target)
            let encoded = items.sorted { $0.key < $1.key }.map { key, value in
                "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            }.joined(separator: "&")
            return "<a href=\"\(path)?\(encoded)\" rel=\"\(target > page ? "next" : "prev")\">\(text)</a>"
        }
        let previous: HTML = page > 1 ? link(page - 1, "上一页") : "<span>上一页</span>"
        let next: HTML = page < pages ? link(page + 1, "下一页") : "<span>下一页</span>"
        return "<p class=\"pager\">\(previous) 第 \(page) / \(pages) 页，共 \(count) 个\(noun) \(next)</p>"
    }

    /// The rows of page `page`.
    static func slice<T>(_ rows: [T], page: Int) -> ArraySlice<T> {
        let start = min(rows.count, (page - 1) * pageSize)
        return rows[start..<min(rows.count, start + pageSize)]
    }
}
