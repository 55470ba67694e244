import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// Who may open an encrypted connection: the CURVE public keys of the keyring, each with its submitter, less the
/// revoked keys. Kept current by the ledger keeper (start, reload, revoke); read by the ZAP handler.
final class TransportAccess: Sendable {
    private let admitted = Mutex<[Data: String]>([:])

    /// Replaces the admitted keys: CURVE public key → submitter.
    func update(_ keys: [Data: String]) {
        admitted.withLock { $0 = keys }
    }

    func submitter(for transportKey: Data) -> String? {
        admitted.withLock { $0[transportKey] }
    }
}

/// The ZAP handler (ZeroMQ RFC 27) on `inproc://zeromq.zap.01`: admits to the ingest and control endpoints only
/// CURVE clients whose public key is in the keyring, and gives the connection the key's submitter as its user id;
/// admits any CURVE client to the feed and snapshot endpoints (encrypted, read-only).
struct ZAPService: Service {
    static let endpoint = "inproc://zeromq.zap.01"
    static let submitterDomain = "kaoping-submitters"
    static let readerDomain = "kaoping-readers"

    let loop: SocketLoop
    let socket: SocketLoop.Handle
    let incoming: Inbound
    let access: TransportAccess
    let logger: Logger

    func run() async {
        for await message in incoming.cancelOnGracefulShutdown() {
            // [peer, "", version, request id, domain, address, routing id, mechanism, credentials…]
            let frames = message.frames
            guard frames.count >= 8, frames[1].isEmpty else { continue }
            let requestID = frames[3]
            let domain = String(decoding: frames[4], as: UTF8.self)
            let mechanism = String(decoding: frames[7], as: UTF8.self)
            var status = "400"
            var text = "not admitted"
            var user = ""
            if mechanism == "CURVE", frames.count >= 9 {
                let clientKey = frames[8]
                if domain == Self.readerDomain {
                    (status, text, user) = ("200", "OK", "reader")
                } else if domain == Self.submitterDomain, let submitter = access.submitter(for: clientKey) {
                    (status, text, user) = ("200", "OK", submitter)
                } else {
                    logger.notice(
                        "refused an encrypted connection from an unlisted key",
                        metadata: [
                            "zap.domain": "\(domain)", "zap.address": "\(String(decoding: frames[5], as: UTF8.self))",
                        ])
                }
            }
            loop.post(
                Multipart([
                    frames[0], Data(), Data("1.0".utf8), requestID, Data(status.utf8), Data(text.utf8),
                    Data(user.utf8), Data(),
                ]), on: socket)
        }
    }
}
