import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A request's context: Hummingbird's, the peer's address (for `/metrics` and sign-in throttling) and, once the
/// session middleware found one, the signed-in session.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var session: Session?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The browser's address, for slowing down failed sign-ins: the peer's, or behind the proxy on this machine the
    /// last `X-Forwarded-For` entry (the one nginx wrote; earlier ones are the client's say).
    func address(_ request: Request) -> String {
        guard peerIsLoopback, let forwarded = request.headers[.forwardedFor],
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
        else { return remoteAddress?.ipAddress ?? "unknown" }
        return last
    }

    /// Whether the request came from this machine itself (a loopback address or a Unix socket) and not through a
    /// proxy on it.
    func isLocal(_ request: Request) -> Bool {
        guard request.headers[.forwardedFor] == nil, request.headers[.realIP] == nil else { return false }
        if case .unixDomainSocket? = remoteAddress { return true }
        return peerIsLoopback
    }

    /// Whether the peer connected from a loopback address.
    private var peerIsLoopback: Bool {
        switch remoteAddress {
        case .v4(let address)?: return address.host == "127.0.0.1"
        case .v6(let address)?: return address.host == "::1"
        default: return false
        }
    }
}

/// Headers every answer carries: a Content-Security-Policy that allows only the console's own script and styles
/// (no inline script), no framing, no sniffing, no referrer, and no caching of what names people.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    /// Also Strict-Transport-Security (behind a TLS front).
    let secure: Bool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.contentTypeOptions] = "nosniff"
        response.headers[.frameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.openerPolicy] = "same-origin"
        response.headers[.permissionsPolicy] = "camera=(), microphone=(), geolocation=()"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if secure { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }
}

extension HTTPField.Name {
    /// Sent by the page's script when it fetches only the live part of a page.
    static let kaopingPartial = Self("X-Kaoping-Partial")!
    static let csrfToken = Self("X-CSRF-Token")!
    static let forwardedFor = Self("X-Forwarded-For")!
    static let realIP = Self("X-Real-IP")!
    static let contentTypeOptions = Self("X-Content-Type-Options")!
    static let frameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let openerPolicy = Self("Cross-Origin-Opener-Policy")!
    static let permissionsPolicy = Self("Permissions-Policy")!
    /// Tells nginx not to buffer the event stream.
    static let accelBuffering = Self("X-Accel-Buffering")!
}
