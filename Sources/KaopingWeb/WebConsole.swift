import Foundation
import HTTPTypes
import Hummingbird
import KaopingAccounts
import KaopingCore
import KaopingStore
import KaopingWire
import Logging
import NIOCore

/// How the console is run: where it listens and what it trusts.
public struct WebSettings: Sendable {
    public var host: String
    public var port: Int
    /// Cookies only over TLS (behind nginx): set when the console is reached by https.
    public var secureCookies: Bool
    /// A bearer token that also opens `/metrics` (which answers this machine without one).
    public var metricsToken: String?

    public init(host: String, port: Int, secureCookies: Bool, metricsToken: String?) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.metricsToken = metricsToken
    }
}

/// The web console: pages for leadership, the operator and each district, all drawn on the server from the one
/// ranking the console follows (``LiveRanking``), the aggregator's status (``StatusSource``) and its store read-only
/// (``StoreRecords``), behind a sign-in.
public struct WebConsole: Sendable {
    public let settings: WebSettings
    public let catalog: Catalog
    public let live: LiveRanking
    public let sessions: Sessions
    public let accounts: Accounts
    public let records: StoreRecords?
    public let status: StatusSource
    public let clock: any WallClock
    public let logger: Logger
    let metrics = ConsoleMetrics()

    public init(
        settings: WebSettings, catalog: Catalog, live: LiveRanking, sessions: Sessions, accounts: Accounts,
        records: StoreRecords?, status: StatusSource, clock: any WallClock, logger: Logger
    ) {
        self.settings = settings
        self.catalog = catalog
        self.live = live
        self.sessions = sessions
        self.accounts = accounts
        self.records = records
        self.status = status
        self.clock = clock
        self.logger = logger
    }

    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeaders(secure: settings.secureCookies))
        router.add(middleware: RequireSession(sessions: sessions, accounts: accounts, clock: clock, logger: logger))
        router.get("/healthz") { _, _ in "ok" }
        router.get("/static/console.css") { _, _ in asset(Assets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/static/console.js") { _, _ in asset(Assets.script, type: "text/javascript; charset=utf-8") }
        router.get("/signin") { request, _ in signInPage(request, problem: nil) }
        router.post("/signin") { request, context in try await signIn(request, context: context) }
        router.post("/signout") { request, context in signOut(request, context: context) }
        router.get("/") { _, context in
            let home = context.session?.role.district.map { "/districts/\($0)" } ?? "/ranking"
            return Response(status: .seeOther, headers: [.location: home])
        }
        router.get("/ranking") { request, context in page(request, context) { RankingPages.ranking($0) } }
        router.get("/workers") { request, context in page(request, context) { RankingPages.workers($0) } }
        router.get("/completeness") { request, context in
            let role = try session(context).role
            let status = role.district == nil ? await status.status() : .failure(WireError("not for a district"))
            let refusals = role == .operator ? try? records?.refusals(limit: 50) : nil
            return page(request, context) { CompletenessPage.render($0, status: status, refusals: refusals ?? nil) }
        }
        router.get("/charts") { request, context in
            guard try session(context).role.district == nil else {
                throw HTTPError(
                    .forbidden,
                    message: "图表包含所有居民区，本账号只能查看本居民区（the charts show every district; this account reads its own）")
            }
            return page(request, context) { ChartsPage.render($0, filled: live.filledOverTime) }
        }
        router.get("/districts/{id}") { request, context in
            let id = try context.parameters.require("id")
            let district = try readableDistrict(id, context)
            let record: Result<DistrictRecord, Error> =
                if let records { Result { try records.record(of: id) } } else {
                    .failure(WireError("the console runs without --store: no cell records"))
                }
            return page(request, context) { DistrictPage.render($0, district: district, record: record) }
        }
        router.get("/findings") { request, context in
            let list = await status.findings(asOf: live.snapshot.feedbackChangedAt)
            return page(request, context) { FeedbackPage.overview($0, list: list) }
        }
        router.get("/findings/{id}") { request, context in
            let district = try readableDistrict(try context.parameters.require("id"), context)
            let list = await status.findings(asOf: live.snapshot.feedbackChangedAt)
            return page(request, context) { FeedbackPage.district($0, district: district, list: list) }
        }
        router.get("/events") { request, context in try events(request, context) }
        router.get("/api/ranking") { request, context in try rankingJSON(request, context) }
        router.get("/downloads/ranking.csv") { request, context in try download(request, context, format: "csv") }
        router.get("/downloads/ranking.xlsx") { request, context in try download(request, context, format: "xlsx") }
        router.get("/metrics") { request, context in try await metricsText(request, context) }
        return router
    }

    // MARK: Pages

    /// The district `id`, when the account may read it.
    func readableDistrict(_ id: String, _ context: WebContext) throws -> District {
        guard try session(context).role.reads(district: id) else {
            throw HTTPError(.forbidden, message: "本账号只能查看本居民区（this account reads its own district only）")
        }
        guard let district = catalog.district(id) else {
            throw HTTPError(.notFound, message: "没有编号为 \(id) 的居民区（no district \(id) in the catalog）")
        }
        return district
    }

    func session(_ context: WebContext) throws -> Session {
        guard let session = context.session else { throw HTTPError(.unauthorized) }
        return session
    }

    /// What a page is drawn with; `unfiltered`: without the request's query (every row the account may see).
    func pageContext(_ request: Request, _ context: WebContext, unfiltered: Bool = false) throws -> PageContext {
        var query: [String: String] = [:]
        if !unfiltered {
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        }
        return PageContext(
            session: try session(context), snapshot: live.snapshot, catalog: catalog, query: query, now: clock.now)
    }

    /// The page `make` draws: whole, or only its live part when the page's script asks for it.
    func page(_ request: Request, _ context: WebContext, _ make: (PageContext) -> Page) -> Response {
        guard let pageContext = try? pageContext(request, context) else { return Response(status: .unauthorized) }
        let page = make(pageContext)
        if request.headers[.kaopingPartial] != nil {
            return html(Layout.live(page, pageContext))
        }
        return html(Layout.render(page, pageContext))
    }

    func html(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html.text)))
    }

    func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Live events

    /// Server-Sent Events: the sequence and the changed districts (those the account may see) at each change, the
    /// current state first (a browser that was away catches up), a comment every 15 s while nothing happens. The
    /// stream ends once its session does (expired, signed out, account removed or password changed).
    func events(_ request: Request, _ context: WebContext) throws -> Response {
        let role = try session(context).role
        let token = request.cookies[Cookies.session]?.value ?? ""
        let (sessions, accounts, clock) = (sessions, accounts, clock)
        let changes = live.changes()
        let first = RankingChange(
            sequence: live.snapshot.sequence, districts: [], connected: live.snapshot.connected)
        let body = ResponseBody { writer in
            func line(_ change: RankingChange) -> ByteBuffer {
                ByteBuffer(string: role.district.map { change.text(for: $0) } ?? change.text)
            }
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            try await writer.write(line(first))
            for await change in changes {
                guard sessions.session(token, now: clock.now, accounts: accounts.current().file) != nil else { break }
                try await writer.write(line(change))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                .accelBuffering: "no",
            ], body: body)
    }

    // MARK: JSON, downloads, metrics

    struct RankingAnswer: Encodable {
        struct Row: Encodable {
            let district: String
            let name: String
            let rank: UInt32
            let total: String
            let grade: String
            let indicators: [String: String]
            let missing: [String]
            let toNextGrade: String?
            let aboveGradeBelow: String?
        }
        let campaign: String
        let sequence: UInt64
        let final: Bool
        let ledgerPosition: UInt64
        let count: Int
        let page: Int
        let districts: [Row]
    }

    /// `/api/ranking?page=&q=&grade=`: a page of the ranking as JSON, only what the account may see.
    func rankingJSON(_ request: Request, _ context: WebContext) throws -> Response {
        let pageContext = try pageContext(request, context)
        let rows = RankingPages.rows(pageContext)
        let answer = RankingAnswer(
            campaign: catalog.campaign, sequence: pageContext.snapshot.sequence,
            final: pageContext.snapshot.ranking.final, ledgerPosition: pageContext.snapshot.ranking.ledgerPosition,
            count: rows.count, page: pageContext.pageNumber,
            districts: Layout.slice(rows, page: pageContext.pageNumber).map { position in
                let row = pageContext.snapshot.row(at: position)
                return .init(
                    district: row.rank.district, name: row.rank.name, rank: row.rank.rank, total: row.rank.total,
                    grade: row.rank.grade, indicators: row.rank.indicators, missing: row.rank.missing,
                    toNextGrade: row.toNextGrade?.description, aboveGradeBelow: row.aboveGradeBelow?.description)
            })
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(answer))))
    }

    /// The whole ranking the account may see (every page), as CSV or .xlsx.
    func download(_ request: Request, _ context: WebContext, format: String) throws -> Response {
        let pageContext = try pageContext(request, context, unfiltered: true)
        let snapshot = pageContext.snapshot
        let rows = RankingPages.rows(pageContext).map(snapshot.row(at:))
        let districts = Downloads.districts(rows, snapshot: snapshot, catalog: catalog)
        let workers = Downloads.workers(RankingPages.workerRows(pageContext), snapshot: snapshot, catalog: catalog)
        let state = snapshot.ranking.final ? "final" : "provisional"
        let stamp = "\(catalog.campaign)-\(state)-\(snapshot.ranking.ledgerPosition)"
        let data: Data
        let type: String
        if format == "csv" {
            data = Downloads.csv(districts)
            type = "text/csv; charset=utf-8"
        } else {
            data = try Downloads.xlsx([("居民区", districts), ("社区工作者", workers)])
            type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: type,
                .contentDisposition: "attachment; filename=\"ranking-\(stamp).\(format)\"",
            ], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func metricsText(_ request: Request, _ context: WebContext) async throws -> Response {
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let tokenMatches = settings.metricsToken.map { token in bearer.map { constantTimeEqual($0, token) } ?? false }
        guard context.isLocal(request) || tokenMatches == true else {
            throw HTTPError(.forbidden, message: "metrics answer this machine, or a request with the metrics token")
        }
        let text = metrics.render(
            snapshot: live.snapshot, status: try? await status.status().get(), catalog: catalog, lag: live.lag,
            streams: live.streamCount, sessions: sessions.count(now: clock.now), now: clock.now)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
