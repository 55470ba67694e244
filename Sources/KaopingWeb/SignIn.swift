import Foundation
import HTTPTypes
import Hummingbird
import KaopingAccounts
import KaopingCore
import Logging

/// The cookies the console sets. Both HttpOnly and SameSite=Strict; Secure behind a TLS front.
enum Cookies {
    static let session = "kaoping_session"
    /// Before signing in: the double-submit token of the sign-in form.
    static let signIn = "kaoping_signin"
}

/// Everything but the sign-in page, the static files and `/metrics` needs a session: pages without one are sent
/// to sign in, other requests (the event stream, the JSON answers, a page's live part) get 401. A request that
/// changes anything must carry the session's CSRF token (form field `csrf` or header `X-CSRF-Token`).
struct RequireSession: RouterMiddleware {
    typealias Context = WebContext
    let sessions: Sessions
    let accounts: Accounts
    let clock: any WallClock
    let logger: Logger

    static let open: [String] = ["/signin", "/static/", "/metrics", "/healthz"]

    func handle(
        _ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if Self.open.contains(where: { $0.hasSuffix("/") ? path.hasPrefix($0) : path == $0 }) {
            return try await next(request, context)
        }
        let (file, problem) = accounts.current()
        if let problem { logger.error("the accounts file changed and cannot be read: \(problem); using the last one") }
        guard let token = request.cookies[Cookies.session]?.value,
            let session = sessions.session(token, now: clock.now, accounts: file)
        else {
            let wantsPage = request.method == .get && request.headers[.kaopingPartial] == nil
                && !path.hasPrefix("/api/") && path != "/events"
            guard wantsPage else {
                throw HTTPError(.unauthorized, message: "请先登录（sign in first: the session ended or was never opened）")
            }
            let target = request.uri.description
            let next = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
            return Response(status: .seeOther, headers: [.location: "/signin?next=\(next)"])
        }
        var request = request
        if request.method != .get, request.method != .head {
            var sent = request.headers[.csrfToken]
            if sent == nil {
                // Collected into the request: the handler reads the body again.
                let body = try await request.collectBody(upTo: 64 * 1024)
                sent = SignInForm.fields(String(buffer: body))["csrf"]
            }
            guard let sent, constantTimeEqual(sent, session.csrf) else {
                throw HTTPError(
                    .forbidden, message: "页面已过期，请刷新后重试（missing or wrong CSRF token: reload the page and try again）")
            }
        }
        var context = context
        context.session = session
        return try await next(request, context)
    }
}

/// Compares two secrets in time that does not depend on where they differ.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}

/// The sign-in form, and `application/x-www-form-urlencoded` bodies in general.
enum SignInForm {
    static func fields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// Where to go after signing in: a path of this site only.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\") else { return "/ranking" }
        return next
    }
}

extension WebConsole {
    func signInPage(_ request: Request, problem: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = request.cookies[Cookies.signIn]?.value ?? Sessions.token()
        let next = SignInForm.safeNext(request.uri.queryParameters["next"].map(String.init))
        var response = html(Layout.signIn(csrf: token, problem: problem, next: next), status: status)
        response.setCookie(cookie(Cookies.signIn, token, maxAge: 3600))
        return response
    }

    func signIn(_ request: Request, context: WebContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let fields = SignInForm.fields(String(buffer: body))
        guard let sent = fields["csrf"], let expected = request.cookies[Cookies.signIn]?.value,
            constantTimeEqual(sent, expected)
        else {
            return signInPage(request, problem: "登录表单已过期，请重新输入。", status: .forbidden)
        }
        let name = fields["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = fields["password"] ?? ""
        let now = clock.now
        let wait = sessions.wait(account: name, address: context.address(request), now: now)
        if wait > .zero {
            return signInPage(
                request, problem: "尝试次数过多，请 \(wait.components.seconds + 1) 秒后再试。", status: .tooManyRequests)
        }
        let account = accounts.current().file.account(named: name)
        guard let account, account.verify(password: password) else {
            sessions.failed(account: name, address: context.address(request), now: now)
            logger.notice("failed sign-in for \(name.debugDescription) from \(context.address(request))")
            return signInPage(request, problem: "账号或密码不正确。", status: .unauthorized)
        }
        sessions.succeeded(account: name)
        let token = sessions.open(account, now: now)
        logger.info("\(name) signed in from \(context.address(request))")
        var response = Response(status: .seeOther, headers: [.location: SignInForm.safeNext(fields["next"])])
        response.setCookie(cookie(Cookies.session, token, maxAge: Int(sessions.lifetime.components.seconds)))
        response.setCookie(cookie(Cookies.signIn, "", maxAge: 0))
        return response
    }

    func signOut(_ request: Request, context: WebContext) -> Response {
        if let token = request.cookies[Cookies.session]?.value { sessions.close(token) }
        var response = Response(status: .seeOther, headers: [.location: "/signin"])
        response.setCookie(cookie(Cookies.session, "", maxAge: 0))
        return response
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookies, httpOnly: true,
               sameSite: .strict)
    }
}
