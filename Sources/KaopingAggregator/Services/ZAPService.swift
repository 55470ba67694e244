import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// Who may open an encrypted connection: the CURVE public keys of the keyring less the revoked keys, each with its
/// submitter; the readers among them (viewers and operators) by key id. Kept current by the ledger keeper (start,
/// reload, revoke); read by the ZAP handler and the snapshot service. A reader that loses access is announced on
/// ``readersRemoved``: the feed then binds anew, so that every subscriber passes the handshake again.
final class TransportAccess: Sendable {
    private struct Admitted {
        var submitters: [Data: String] = [:]
        /// CURVE public key → key id, for the keys that may read.
        var readers: [Data: String] = [:]
    }

    private let admitted = Mutex(Admitted())
    private let removals: AsyncStream<Void>.Continuation
    /// One element each time a reader key lost access (revoked, or gone from the keyring).
    let readersRemoved: AsyncStream<Void>

    init() {
        (readersRemoved, removals) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Replaces the admitted keys: each entry's CURVE public key, its submitter, and its key id if it may read.
    func update(_ keys: [(transportKey: Data, submitter: String, readerKeyID: String?)]) {
        var next = Admitted()
        for key in keys {
            next.submitters[key.transportKey] = key.submitter
            if let keyID = key.readerKeyID { next.readers[key.transportKey] = keyID }
        }
        let lostReader = admitted.withLock { current in
            defer { current = next }
            return current.readers.contains { next.readers[$0.key] != $0.value }
        }
        if lostReader { removals.yield() }
    }

    func submitter(for transportKey: Data) -> String? {
        admitted.withLock { $0.submitters[transportKey] }
    }

    /// The key id of a reader's CURVE key, if it may read.
    func reader(for transportKey: Data) -> String? {
        admitted.withLock { $0.readers[transportKey] }
    }

    /// Whether the reader key `keyID` (a connection's user id on the feed and snapshot) may still read.
    func admitsReader(keyID: String) -> Bool {
        admitted.withLock { $0.readers.values.contains(keyID) }
    }
}

/// The ZAP handler (ZeroMQ RFC 27) on `inproc://zeromq.zap.01`: admits to the ingest and control endpoints only
/// CURVE clients whose public key is in the keyring, and gives the connection the key's submitter as its user id;
/// admits to the feed and snapshot endpoints only the keys of viewers and operators, with the key id as user id.
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
                if domain == Self.readerDomain, let keyID = access.reader(for: clientKey) {
                    (status, text, user) = ("200", "OK", keyID)
                } else if domain == Self.submitterDomain, let submitter = access.submitter(for: clientKey) {
                    (status, text, user) = ("200", "OK", submitter)
                } else {
                    logger.notice(
                        "refused an encrypted connection from a key not admitted there",
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
