/// A failure the CLI reports in one or two lines on standard error before exiting non-zero.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
