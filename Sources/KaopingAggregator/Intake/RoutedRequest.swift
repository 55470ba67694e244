import Foundation
import ZeroMQ

/// A request that arrived on a ROUTER socket: the peer's routing id, whether it came from a REQ peer (with an empty
/// delimiter frame), and the one body frame.
struct RoutedRequest: Sendable {
    let identity: Data
    let delimited: Bool
    let body: Data
    /// The submitter the ZAP handler authenticated the connection as (CURVE), if any.
    let userID: String?

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

    /// The reply to this request, routed back to its peer in the same framing.
    func reply(_ body: Data) -> Multipart {
        Multipart(delimited ? [identity, Data(), body] : [identity, body])
    }
}
