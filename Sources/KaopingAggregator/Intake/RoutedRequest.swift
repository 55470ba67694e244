import Foundation
import KaopingWire
import ZeroMQ

/// A request that arrived on a ROUTER socket: the peer's routing id, whether it came from a REQ peer (with an empty
/// delimiter frame), and the one body frame.
struct RoutedRequest: Sendable {
    let identity: Data
    let delimited: Bool
    private(set) var body: Data
    /// The submitter the ZAP handler authenticated the connection as (CURVE), if any.
    let userID: String?
    /// Whether the body is a member of a batch (answered in a receipt batch), not a message of its own.
    private(set) var isMember = false
    /// Why the message is refused before its checks (a batch that cannot be read), if it is.
    private(set) var refusal: String?

    /// Parses `[identity, body]` (DEALER) or `[identity, "", body]` (REQ, or a DEALER that adds the delimiter);
    /// anything else is refused before any decoding.
    init?(_ message: Multipart) {
        userID = message.userID
        switch message.frames.count {
        case 2:
            identity = message.frames[0]
            delimited = false
            body = message.frames[1]
        case 3 where message.frames[1].isEmpty:
            identity = message.frames[0]
            delimited = true
            body = message.frames[2]
        default:
            return nil
        }
    }

    /// A batch's members, each a request of its own from the same peer; a batch that cannot be read is itself,
    /// refused with what is wrong; anything else is itself.
    func members() -> [RoutedRequest] {
        guard EnvelopeBatch.isBatch(body) else { return [self] }
        do {
            return try EnvelopeBatch.members(of: body).map { member in
                var request = self
                request.body = member
                request.isMember = true
                return request
            }
        } catch {
            var refused = self
            refused.refusal = error.message
            return [refused]
        }
    }

    /// The reply to this request, routed back to its peer in the same framing.
    func reply(_ body: Data) -> Multipart {
        Multipart(delimited ? [identity, Data(), body] : [identity, body])
    }
}
