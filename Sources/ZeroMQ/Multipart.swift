import Foundation

/// A multipart ZeroMQ message: its frames in order.
public struct Multipart: Sendable, Equatable {
    public var frames: [Data]
    /// On a received message: the user id the ZAP handler gave the connection (ZMTP "User-Id"), if any.
    public var userID: String?

    public init(_ frames: [Data], userID: String? = nil) {
        self.frames = frames
        self.userID = userID
    }

    public init(_ frames: Data...) {
        self.frames = frames
    }

    /// The total size of all frames in bytes.
    public var byteCount: Int { frames.reduce(0) { $0 + $1.count } }
}
