import Foundation

/// Scratch space for tests: one folder per test process under the system's temporary directory, removed with
/// everything in it when the process exits, so a test run leaves nothing behind however its tests end.
public enum Scratch {
    /// The run's own folder, made on first use.
    static let root: URL = {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("kaoping-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return root
    }()

    /// A new empty folder of the run's, its name starting with `prefix`.
    public static func folder(_ prefix: String) throws -> URL {
        let folder = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The path of `name` in a new folder of the run's (the file itself is not made).
    public static func path(_ name: String) throws -> String {
        try folder(name).appendingPathComponent(name).path
    }

    /// Writes `contents` to `name` in a new folder of the run's and returns the file's path.
    public static func file(_ name: String, _ contents: String) throws -> String {
        let path = try path(name)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
