import Foundation
import KaopingAudit
import KaopingCore
import KaopingStore

/// 居民区: one district's record — every cell with its value as signed, who signed it with which key and when, when it
/// was accepted and at which ledger position; its workers; and the history of its cells from the verified audit log.
enum DistrictPage {
    static func render(_ context: PageContext, district: District, record: Result<DistrictRecord, Error>) -> Page {
        let row = context.snapshot.row(district.id)
        let summary: HTML =
            if let row {
                """
                <p class="summary" data-district="\(district.id)">第 <b data-field="rank">\(row.rank.rank)</b> 名 · \
                总分 <b data-field="total">\(row.rank.total)</b> · \
                <span class="grade \(row.rank.grade)">\(context.label(ofDistrictGrade: row.rank.grade))</span> · \
                距上一等第 \(RankingPages.margin(row.toNextGrade)) · 领先下一等第 \(RankingPages.margin(row.aboveGradeBelow))\
                </p>
                """
            } else {
                "<p class=\"summary\">排名尚未收到。</p>"
            }
        let feedback = context.snapshot.ranking.feedback.districts.first { $0.id == district.id }
        let findings: HTML = """
            <p><a href="/findings/\(district.id)">问题反馈与整改</a>：\
            \(feedback.map { "未销号 \($0.open) 项，逾期 \($0.overdue) 项" } ?? "没有未销号的问题")</p>
            """
        var sections: [HTML] = ["<h1>\(district.name)（\(district.id)）</h1>", summary, findings]
        switch record {
        case .failure(let error):
            sections.append("<p class=\"error\">读不到汇总服务的存储：\(String(describing: error))</p>")
        case .success(let record):
            sections.append(cells(context, district: district, record: record))
            sections.append(workers(context, district: district, record: record))
            sections.append(history(context, record: record))
        }
        return Page(title: district.name, tab: nil, body: sections.joined())
    }

    private static func cellRow(_ context: PageContext, label: String, cell: AuditHistory.Event?, id: String) -> HTML {
        guard let cell else {
            return "<tr class=\"missing\" data-cell=\"\(id)\"><td>\(label)</td><td colspan=\"6\">尚未收到</td></tr>"
        }
        return """
            <tr data-cell="\(id)"><td>\(label)</td><td class="num value">\(cell.value ?? "")</td>\
            <td>\(cell.submitter)</td><td class="key">\(cell.keyID)</td><td>\(context.time(cell.signedAt))</td>\
            <td>\(context.time(cell.at))</td><td class="num">\(cell.position.map(String.init) ?? "")</td></tr>
            """
    }

    private static func cells(_ context: PageContext, district: District, record: DistrictRecord) -> HTML {
        let campaign = context.catalog.campaign
        var rows: [HTML] = []
        for indicator in context.catalog.districtIndicators {
            if indicator.scope == .hotline {
                for period in context.catalog.hotline.periods {
                    let key = SubmissionKey(
                        campaign: campaign, indicator: indicator.id, district: district.id, period: period)
                    rows.append(cellRow(context, label: "\(indicator.label) \(period)", cell: record.cell(key),
                        id: "\(district.id)/hotline:\(period)"))
                }
            } else {
                let key = SubmissionKey(campaign: campaign, indicator: indicator.id, district: district.id)
                rows.append(cellRow(context, label: indicator.label, cell: record.cell(key),
                    id: "\(district.id)/\(indicator.id)"))
            }
        }
        return """
            <h2>各项得分（按签名原样）</h2>
            <table class="cells"><thead><tr><th>指标</th><th class="num">签名值</th><th>报送方</th><th>密钥</th>\
            <th>签名时间</th><th>接收时间</th><th class="num">账本位置</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    private static func workers(_ context: PageContext, district: District, record: DistrictRecord) -> HTML {
        let components = context.catalog.workerIndicators
        let rules = context.catalog.workerRules
        let ranked = context.snapshot.workers(of: district.id)
        guard !ranked.isEmpty else { return "" }
        // Each component as signed and its weighted points, then the district result's points: they sum to the total.
        let head: [HTML] = components.map {
            "<th class=\"num\" title=\"\($0.label)\">\($0.shortLabel)（× \($0.weight.plain)）</th>"
        }
        let districtPoints = context.snapshot.row(district.id).map {
            rules.districtResultPoints(districtTotal: $0.total).description
        }
        let rows = ranked.sorted { $0.rank < $1.rank }.map { worker -> HTML in
            let values: [HTML] = components.map { component in
                let key = SubmissionKey(
                    campaign: context.catalog.campaign, indicator: component.id, district: district.id,
                    worker: worker.worker)
                guard let value = record.cell(key)?.value else { return "<td class=\"num\">—</td>" }
                let points = (try? ExactDecimal.parse(value)).map { " → \(component.workerPoints($0))" } ?? ""
                return "<td class=\"num\">\(value)\(points)</td>"
            }
            return """
                <tr data-worker="\(worker.worker)"><td>\(worker.name)</td><td>\(worker.worker)</td>\(values)\
                <td class="num">\(districtPoints ?? "—")</td>\
                <td class="num total">\(worker.total)</td><td class="num">\(worker.rank)</td>\
                <td class="grade \(worker.grade)">\(context.label(ofWorkerGrade: worker.grade))</td></tr>
                """
        }
        return """
            <h2>社区工作者</h2>
            <p class="hint">总分 = 各项评分 × 权重 + \(rules.districtResultLabel)（本居民区总分，\
            限 \(rules.districtResultRange.lowerBound.plain)–\(rules.districtResultRange.upperBound.plain)）\
            × \(rules.districtResultWeight.plain)。</p>
            <table class="workers"><thead><tr><th>姓名</th><th>编号</th>\(head)\
            <th class="num">\(rules.districtResultLabel)（× \(rules.districtResultWeight.plain)）</th>\
            <th class="num">总分</th><th class="num">排名</th><th>等第</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    private static func history(_ context: PageContext, record: DistrictRecord) -> HTML {
        let rows = record.history.reversed().map { event -> HTML in
            let verified: String =
                switch event.signatureVerified {
                case true?: "签名有效"
                case false?: "签名无效"
                case nil: ""
                }
            return """
                <tr class="event \(event.event)"><td>\(context.time(event.at))</td>\
                <td class="num">#\(event.sequence)</td>\
                <td>\(event.event)</td><td>\(event.subject)</td><td class="num">\(event.value ?? "")</td>\
                <td>\(event.submitter)</td><td class="key">\(event.keyID)</td>\
                <td class="num">\(event.position.map(String.init) ?? "")\(event.voided == true ? "（已作废）" : "")</td>\
                <td>\(verified)</td><td class="reason">\(event.reason)</td></tr>
                """
        }
        return """
            <h2>历史（审计日志，哈希链已校验 \(record.verifiedEntries) 条）</h2>
            <table class="history"><thead><tr><th>时间</th><th class="num">序号</th><th>事件</th><th>单元格</th>\
            <th class="num">值</th><th>报送方</th><th>密钥</th><th class="num">账本位置</th><th>签名</th><th>原因</th>\
            </tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
