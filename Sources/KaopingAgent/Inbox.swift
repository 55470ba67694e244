import Foundation
import KaopingCore
import KaopingStore
import Logging

/// A folder a clerk drops files into. Each CSV, JSON Lines or JSON file is checked whole: if every row is valid its
/// submissions are signed into the outbox and the file moves to `done/`; otherwise nothing is queued and it moves to
/// `failed/`. Either way a report (`NAME.report.txt`) beside it says what happened, row by row; a row the aggregator
/// refuses later is written to `failed/NAME.refused.txt` (``noteRefusal(of:at:)``). A spreadsheet workbook (`.xlsx`,
/// WPS's `.et`, …) moves to `failed/` with a report that says how to save it as CSV; other files (notes, files being
/// copied in, a spreadsheet program's `~$` owner files) are left alone.
public struct Inbox: Sendable {
    /// The files read, by extension.
    static let readable: Set<String> = ["csv", "jsonl", "json"]
    /// Workbooks a clerk may drop instead of a CSV export of them.
    static let workbooks: Set<String> = ["xlsx", "xlsm", "xls", "et", "ods", "numbers"]

    public let folder: URL
    public let agent: Agent
    public let logger: Logger

    public init(folder: String, agent: Agent, logger: Logger) throws {
        self.folder = URL(fileURLWithPath: folder)
        self.agent = agent
        self.logger = logger
        for sub in ["", "done", "failed"] {
            try FileManager.default.createDirectory(
                at: self.folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }

    /// Processes the files that are complete (not modified in the last second); returns what happened to each.
    @discardableResult
    public func scan() -> [(file: String, accepted: Bool)] {
        let now = agent.clock.now.date
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var outcomes: [(String, Bool)] = []
        // Hidden files, and the owner files Excel and WPS keep beside a workbook or CSV they have open (`~$NAME`),
        // are not a clerk's.
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasPrefix("~$") {
            let url = folder.appendingPathComponent(name)
            let kind = url.pathExtension.lowercased()
            guard Self.readable.contains(kind) || Self.workbooks.contains(kind) else { continue }
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                (attributes[.type] as? FileAttributeType) == .typeRegular,
                let modified = attributes[.modificationDate] as? Date, now.timeIntervalSince(modified) >= 1
            else { continue }
            outcomes.append((name, Self.readable.contains(kind) ? process(url) : refuseWorkbook(url)))
        }
        return outcomes
    }

    private func process(_ url: URL) -> Bool {
        let name = url.lastPathComponent
        let stamp = stamp()
        guard let data = FileManager.default.contents(atPath: url.path) else { return false }
        var report = heading(name, stamp)
        if let (kind, text) = agent.feedbackImporter.recognize(data, fileName: name) {
            let accepted = processFeedback(text, kind: kind, filed: Self.filed(name, stamp: stamp), report: &report)
            if let accepted { file(url, stamp: stamp, report: report, accepted: accepted) }
            return accepted ?? false
        }
        let accepted: Bool
        let outcome = agent.importer.read(data, fileName: name)
        if outcome.problems.isEmpty {
            let rows = outcome.rows
            do {
                let added = try agent.enqueue(
                    rows.map { (Self.source(filed: Self.filed(name, stamp: stamp), line: $0.line), $0.submission) })
                report += "OK: \(rows.count) rows checked, \(added) queued for delivery"
                report += rows.count > added ? " (\(rows.count - added) were already in the outbox)\n" : "\n"
                let catalog = agent.importer.catalog
                for (line, submission) in rows {
                    report += "  line \(line): \(submission.key) \(catalog.shown(submission)) → \(submission.id)\n"
                }
                accepted = true
            } catch {
                report += "NOT QUEUED: the outbox could not be written (\(error)); the file stays for another try\n"
                logger.error("inbox: cannot write the outbox: \(error)")
                return false
            }
        } else {
            report += "NOT QUEUED: \(outcome.problems.count) row(s) need fixing; nothing from this file was sent.\n"
            report += "Fix the rows below and drop the whole file into the inbox again.\n"
            for problem in outcome.problems { report += "  \(problem)\n" }
            accepted = false
        }
        file(url, stamp: stamp, report: report, accepted: accepted)
        return accepted
    }

    /// Queues every row of a feedback CSV, or none when a row needs fixing; nil when the outbox cannot be written
    /// (the file stays for another try).
    private func processFeedback(_ text: String, kind: String, filed: String, report: inout String) -> Bool? {
        let (rows, problems) = agent.feedbackImporter.read(text, kind: kind)
        guard problems.isEmpty else {
            report += "NOT QUEUED: \(problems.count) row(s) need fixing; nothing from this file was sent.\n"
            report += "Fix the rows below and drop the whole file into the inbox again.\n"
            for problem in problems { report += "  \(problem)\n" }
            return false
        }
        do {
            let added = try agent.enqueue(feedback: rows.map { (Self.source(filed: filed, line: $0.line), $0.step) })
            report += "OK: \(rows.count) \(kind) row(s) checked, \(added) queued for delivery"
            report += rows.count > added ? " (\(rows.count - added) were already in the outbox)\n" : "\n"
            for (line, step) in rows { report += "  line \(line): \(Agent.subject(step)) → \(step.id)\n" }
            return true
        } catch {
            logger.error("inbox: cannot write the outbox: \(error)")
            return nil
        }
    }

    /// A workbook is not read: it goes to `failed/` with a report that says how to export it.
    private func refuseWorkbook(_ url: URL) -> Bool {
        let stamp = stamp()
        let name = url.lastPathComponent
        var report = heading(name, stamp)
        report += "NOT QUEUED: \(name) is a spreadsheet workbook; the agent reads CSV (UTF-8) and JSON Lines files.\n"
        report += "In Excel or WPS: 文件 File > 另存为 Save As > CSV UTF-8 (逗号分隔), then drop the .csv file into the inbox.\n"
        file(url, stamp: stamp, report: report, accepted: false)
        return false
    }

    private func heading(_ name: String, _ stamp: String) -> String {
        "Kaoping agent \(agent.identity.submitter) — \(name) — \(stamp)\n"
    }

    /// The name a processed file is kept under in `done/` or `failed/`.
    private static func filed(_ name: String, stamp: String) -> String { "\(stamp)-\(name)" }

    /// The outbox source of row `line` of a dropped file, filed as `filed` (in `done/`).
    static func source(filed: String, line: Int) -> String { "inbox:\(filed):\(line)" }

    /// Writes the aggregator's refusal of a row queued from this inbox into `failed/FILED.refused.txt`: a clerk who
    /// works by the folder alone saw the file go to `done/`, and looks in `failed/` for what went wrong. The file's
    /// other rows stand. Items from elsewhere (`submit`, `import`) are left to the outbox listing.
    public func noteRefusal(of item: Outbox.Item) {
        let place = item.source.split(separator: ":")
        guard place.count >= 3, place.first == "inbox", let line = Int(place.last!) else { return }
        let filed = place.dropFirst().dropLast().joined(separator: ":")
        let url = folder.appendingPathComponent("failed").appendingPathComponent("\(filed).refused.txt")
        var text = ""
        if !FileManager.default.fileExists(atPath: url.path) {
            text += "Kaoping agent \(agent.identity.submitter) — \(filed) — rows the aggregator refused\n"
            text += "The file's other rows stand. Fix these rows (a conflict needs the operator to reopen the cell "
            text += "first) and drop a file with only them into the inbox.\n"
            // A file that cannot be made shows as the write's error below.
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        text += "\(agent.clock.now)  line \(line): \(item.subject) — "
        text += "\(item.status): \(item.reason)\n"
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            logger.error("inbox: cannot write \(url.path): \(error)")
        }
    }

    /// Moves a processed file to `done/` or `failed/` with its report beside it.
    private func file(_ url: URL, stamp: String, report: String, accepted: Bool) {
        let name = url.lastPathComponent
        let target = folder.appendingPathComponent(accepted ? "done" : "failed")
            .appendingPathComponent(Self.filed(name, stamp: stamp))
        do {
            try FileManager.default.moveItem(at: url, to: target)
            try Data(report.utf8).write(to: URL(fileURLWithPath: target.path + ".report.txt"))
        } catch {
            logger.error("inbox: cannot move \(name): \(error)")
        }
        logger.info(
            accepted ? "inbox: file queued" : "inbox: file refused; see its report",
            metadata: ["inbox.file": "\(name)", "inbox.report": "\(target.path).report.txt"])
    }

    /// When a file was taken, for the names filed in `done/` and `failed/`: China Standard Time, as the reports' times.
    private func stamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = ChinaTime.zone
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: agent.clock.now.date)
    }
}
