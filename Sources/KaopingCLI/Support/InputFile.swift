import Foundation

/// Reads the files named on the command line, with messages that say what to check.
enum InputFile {
    /// The bytes of `path`, or of standard input when `path` is `-`.
    static func read(_ path: String, what: String) throws(CLIError) -> Data {
        if path == "-" {
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("cannot read \(what) '\(path)': no such file; check the path")
        }
        guard !isDirectory.boolValue else {
            throw CLIError("cannot read \(what) '\(path)': it is a folder; name a file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(what) '\(path)': permission denied or unreadable; check its permissions")
        }
        return data
    }

    /// The UTF-8 text of `path` (a leading BOM is left for the parser to drop).
    static func text(_ path: String, what: String) throws(CLIError) -> String {
        let data = try read(path, what: what)
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("cannot read \(what) '\(path)': it is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in Excel)")
        }
        return text
    }
}
