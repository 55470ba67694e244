import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A daemon's sole claim on its database, held while it runs. A second aggregator started on the same store (a manual
/// start beside the service, a test instance pointed at the live file) is refused before it reads anything: two
/// would each keep their own ledger, and each accept a different submission for the same key. A second agent daemon
/// on the same outbox is refused too: both would import each file dropped in the inbox and send everything twice.
///
/// The claim is an exclusive `flock` on a file beside the database (`FILE.lock`, holding the owner's process id for
/// the message). The kernel lets go of it when the process ends in any way, a crash or SIGKILL included, so a lock
/// file left behind claims nothing. Tools that only read the store (`kaoping audit verify`) and the agent's one-shot
/// commands take no claim.
public final class StoreClaim: Sendable {
    public let lockPath: String
    private let descriptor: Int32

    /// Who claims what, for the message a second claimant gets.
    public struct Holder: Sendable {
        /// What the file is to its holder ("store", "outbox").
        let file: String
        /// The kind of process that holds it ("aggregator").
        let process: String
        /// What the operator of a refused second one should do.
        let remedy: String

        public static let aggregator = Holder(
            file: "store", process: "aggregator",
            remedy: "stop that one first (systemctl stop kaoping-aggregator), or give this one its own --store")
        public static let agentDaemon = Holder(
            file: "outbox", process: "agent daemon",
            remedy: "it already delivers this outbox and watches its inbox; stop it first (systemctl stop "
                + "kaoping-agent@NAME) to run this one, or use the one-shot commands (send, outbox) beside it")
    }

    /// Claims the database at `path` for `holder`, or throws a message that names the process holding it.
    public init(_ path: String, for holder: Holder) throws(StoreClaimError) {
        lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreClaimError(
                message: "cannot create \(lockPath) beside the \(holder.file): \(Self.reason(errno))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let owner = Self.owner(descriptor)
            close(descriptor)
            guard code == EWOULDBLOCK else {
                throw StoreClaimError(message: "cannot lock \(lockPath): \(Self.reason(code))")
            }
            throw StoreClaimError(
                message: "the \(holder.file) \(path) is in use by another \(holder.process)"
                    + (owner.map { " (process \($0))" } ?? "") + "; \(holder.remedy)")
        }
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// The process id the holder wrote, if it can be read.
    private static func owner(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// Why the store could not be claimed, in words an operator can act on.
public struct StoreClaimError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
