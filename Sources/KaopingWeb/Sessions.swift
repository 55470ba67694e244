import Foundation
import KaopingAccounts
import KaopingCore
import Synchronization

/// A signed-in person: who, with which role, the token of their forms (CSRF) and when the session ends.
public struct Session: Sendable {
    public let account: String
    public let role: Role
    /// The account's password hash when signing in: a changed password or a removed account ends the session.
    let passwordHash: String
    /// Sent back in every form and in the `X-CSRF-Token` header of every request that changes anything.
    public let csrf: String
    public let expires: Timestamp
}

/// The sessions of the console, in memory (a restart signs everyone out), keyed by a random 256-bit token that the
/// browser holds in an HttpOnly, SameSite=Strict cookie. Also slows down failed sign-ins, per account and per
/// address: after 3 failures each further attempt waits 2, 4, 8 … up to 60 seconds.
public final class Sessions: Sendable {
    private struct State {
        var sessions: [String: Session] = [:]
        var failures: [String: (count: Int, last: Timestamp)] = [:]
    }

    private let state = Mutex(State())
    public let lifetime: Duration

    public init(lifetime: Duration) { self.lifetime = lifetime }

    /// 32 random bytes, base64url.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A new session for `account`; returns its token.
    public func open(_ account: Account, now: Timestamp) -> String {
        let token = Self.token()
        let session = Session(
            account: account.name, role: account.role, passwordHash: account.passwordHash, csrf: Self.token(),
            expires: now + lifetime)
        state.withLock { state in
            state.sessions = state.sessions.filter { $0.value.expires > now }  // forget the expired ones
            state.sessions[token] = session
        }
        return token
    }

    /// The session of `token` if it has not expired and its account still stands as it was.
    public func session(_ token: String, now: Timestamp, accounts: AccountFile) -> Session? {
        state.withLock { state in
            guard let session = state.sessions[token] else { return nil }
            guard session.expires > now, accounts.account(named: session.account)?.passwordHash == session.passwordHash
            else {
                state.sessions[token] = nil
                return nil
            }
            return session
        }
    }

    public func close(_ token: String) { _ = state.withLock { $0.sessions.removeValue(forKey: token) } }

    /// Sessions open now.
    public func count(now: Timestamp) -> Int { state.withLock { $0.sessions.values.count { $0.expires > now } } }

    /// How long the next sign-in attempt for `account` from `address` must wait; zero when it may go ahead.
    public func wait(account: String, address: String, now: Timestamp) -> Duration {
        state.withLock { state in
            [("account:" + account), ("address:" + address)].map { key -> Duration in
                guard let failure = state.failures[key], failure.count >= 3 else { return .zero }
                let delay = Duration.seconds(min(60, 1 << min(failure.count - 2, 6)))
                let ready = failure.last + delay
                return ready > now ? ready - now : .zero
            }.max() ?? .zero
        }
    }

    /// Counts a failed sign-in against the account and the address.
    public func failed(account: String, address: String, now: Timestamp) {
        state.withLock { state in
            for key in ["account:" + account, "address:" + address] {
                let count = (state.failures[key]?.count ?? 0) + 1
                state.failures[key] = (count, now)
            }
        }
    }

    /// Forgets the failures of the account (it signed in).
    public func succeeded(account: String) {
        _ = state.withLock { $0.failures.removeValue(forKey: "account:" + account) }
    }
}
