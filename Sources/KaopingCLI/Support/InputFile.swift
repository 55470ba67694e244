import Foundation
import KaopingWire

/// Reads the files named on the command line (standard input for `-`), with the messages of ``CampaignFiles``.
enum InputFile {
    /// The bytes of `path`, or of standard input when `path` is `-`.
    static func read(_ path: String, what: String) throws(CLIError) -> Data {
        if path == "-" {
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        return try files { () throws(CampaignFileError) in try CampaignFiles.data(path, what: what) }
    }

    /// The UTF-8 text of `path` (a leading BOM is left for the parser to drop).
    static func text(_ path: String, what: String) throws(CLIError) -> String {
        try files { () throws(CampaignFileError) in try CampaignFiles.text(path, what: what) }
    }

    /// What `read` gives, or its error as the command's.
    static func files<T>(_ read: () throws(CampaignFileError) -> T) throws(CLIError) -> T {
        do {
            return try read()
        } catch {
            throw CLIError(error.message)
        }
    }
}
