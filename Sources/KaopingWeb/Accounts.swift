import Foundation
import KaopingAccounts
import Synchronization

/// The accounts file as the console reads it: read again whenever it changed on disk, so that
/// `kaoping web users add|remove|passwd` take effect at the next request (a removed account or a changed password
/// ends its sessions). A file that became unreadable keeps the last good list and says why in the log once.
public final class Accounts: Sendable {
    public let path: String
    private struct State {
        var file: AccountFile
        var modified: Date?
        var problem: String?
    }
    private let state: Mutex<State>

    public init(path: String) throws(AccountFileError) {
        self.path = path
        let file = try AccountFile.load(path)
        state = Mutex(State(file: file, modified: Self.modified(path)))
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// The accounts now, and a problem met reading a changed file (reported once).
    public func current() -> (file: AccountFile, problem: String?) {
        let modified = Self.modified(path)
        return state.withLock { state in
            guard modified != state.modified else { return (state.file, nil) }
            state.modified = modified
            do throws(AccountFileError) {
                state.file = try AccountFile.load(path)
                state.problem = nil
                return (state.file, nil)
            } catch {
                state.problem = error.message
                return (state.file, error.message)
            }
        }
    }
}
