import Foundation

/// A multipart ZeroMQ message: its frames in order.
public struct Multipart: Sendable, Equatable {
    public var frames: [Data]

    public init(_ frames: [Data]) {
        self.frames = frames
    }

    public init(_ frames: Data...) {
        self.frames = frames
    }

    /// The total size of all frames in bytes.
    public var byteCount: Int { frames.reduce(0) { $0 + $1.count } }
}
