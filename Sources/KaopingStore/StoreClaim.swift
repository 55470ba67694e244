import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An aggregator's sole claim on its store, held while it runs: a second aggregator started on the same store (a
/// manual start beside the service, a test instance pointed at the live file) is refused before it reads anything.
/// Two would each keep their own ledger, and each accept a different submission for the same key.
///
/// The claim is an exclusive `flock` on a file beside the store (`STORE.lock`, holding the owner's process id for the
/// message). The kernel lets go of it when the process ends in any way, a crash or SIGKILL included, so a lock
/// file left behind claims nothing. Tools that only read the store (`kaoping audit verify`) take no claim.
public final class StoreClaim: Sendable {
    public let lockPath: String
    private let descriptor: Int32

    /// Claims the store at `storePath`, or throws a message that names the process holding it.
    public init(store storePath: String) throws(StoreClaimError) {
        lockPath = storePath + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreClaimError(message: "cannot create \(lockPath) beside the store: \(Self.reason(errno))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.holder(descriptor)
            close(descriptor)
            guard code == EWOULDBLOCK else {
                throw StoreClaimError(message: "cannot lock \(lockPath): \(Self.reason(code))")
            }
            throw StoreClaimError(
                message: "the store \(storePath) is in use by another aggregator"
                    + (holder.map { " (process \($0))" } ?? "")
                    + "; stop that one first (systemctl stop kaoping-aggregator), or give this one its own --store")
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
    private static func holder(_ descriptor: Int32) -> Int32? {
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
