import ArgumentParser
import Foundation
import KaopingCore
import KaopingStore
import KaopingWire
import SwiftProtobuf

/// `kaoping status`: completeness at a glance, who owes what, who has gone silent, what was refused.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show completeness, owed cells, silent submitters and rejections.")

    @OptionGroup var control: ControlOptions

    @Flag(help: "Print the status as JSON (protobuf JSON mapping of kaoping.v1.StatusReply).")
    var json = false

    @Option(help: "Hours without a sign of life after which a submitter that still owes cells counts as silent.")
    var silentAfter: Int = 24

    @Option(help: ArgumentHelp("The catalog the aggregator runs (for labels); the built-in one when omitted.",
        valueName: "FILE"))
    var catalog: String?

    @Option(help: ArgumentHelp(
        "Show only this district (its id, such as D05), and owed cells of it only; repeat for several. With --json: "
            + "a narrowed reply (these districts' missing cells, every district's counts, no ranking).",
        valueName: "ID"))
    var district: [String] = []

    @Flag(help: "List every district and submitter; without it, a campaign of more than 40 lists those most behind.")
    var all = false

    func run() throws {
        let catalog = try CatalogSource.load(self.catalog)
        var district = self.district
        if !json {
            guard catalog.campaign == control.campaign else {
                throw CLIError(
                    "the catalog is for \(catalog.campaign), not \(control.campaign): pass that campaign's catalog "
                        + "with --catalog FILE (or use --json, which needs none)")
            }
            // d05, Ｄ０５ and 居民区05 are D05.
            district = try district.map { typed throws(CLIError) in
                guard let id = catalog.districtID(typed: typed) else {
                    let range = catalog.districts.first.map { "\($0.id)…\(catalog.districts.last!.id)" } ?? "none"
                    throw CLIError(
                        "district '\(typed)' is not in \(catalog.campaign) (its districts: \(range); "
                            + "`kaoping catalog show` lists them)")
                }
                return id
            }
        } else if catalog.campaign == control.campaign {
            // --json needs no catalog: what the built-in one does not know is left to the aggregator.
            district = district.map { catalog.districtID(typed: $0) ?? $0 }
        }
        var request = Kaoping_V1_ControlRequest()
        request.status = Kaoping_V1_StatusRequest()
        // Ask only for what is shown: a city's whole status is megabytes.
        if !district.isEmpty, !all {
            request.status.districts = district
        } else if !json, !all, catalog.districts.count > StatusView.defaultRowLimit {
            request.status.mostMissing = UInt32(StatusView.defaultRowLimit)
        }
        let status = try control.call(request, signed: control.key != nil).status
        if json {
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            print(try status.jsonString(options: options))
            return
        }
        let view = StatusView(
            status: status, catalog: catalog, silentAfterHours: silentAfter, now: SystemClock().now,
            districts: district.isEmpty ? nil : Set(district), rowLimit: all ? nil : StatusView.defaultRowLimit)
        print(view.render(), terminator: "")
    }
}

/// `kaoping reopen`: an audited correction.
struct ReopenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Void an accepted submission so that its department can submit it once more (audited).")

    @OptionGroup var control: ControlOptions

    @Option(help: "District id, such as D05.")
    var district: String

    @Option(help: "Indicator id, such as party_building.")
    var indicator: String

    @Option(help: "Worker id, for worker indicators.")
    var worker = ""

    @Option(help: "Month, such as 2023-03, for the hotline.")
    var period = ""

    @Option(help: "Why the department must correct it (kept in the audit log).")
    var reason: String

    @Option(help: ArgumentHelp(
        "The catalog the aggregator runs, by which d05 is read as D05 and 党建 as party_building; the built-in one "
            + "when omitted.",
        valueName: "FILE"))
    var catalog: String?

    func validate() throws {
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw ValidationError("--reason is blank; say why the department must correct it")
        }
    }

    func run() throws {
        var (district, indicator, period) = (self.district, self.indicator, self.period)
        // Ids as the operator types them, by the campaign's catalog; what it does not know goes as typed, for the
        // aggregator to answer.
        let catalog = try CatalogSource.load(self.catalog)
        if catalog.campaign == control.campaign {
            district = catalog.districtID(typed: district) ?? district
            indicator = catalog.indicatorID(typed: indicator) ?? indicator
            if !period.isEmpty { period = catalog.period(typed: period) ?? period }
        }
        var request = Kaoping_V1_ControlRequest()
        var reopen = Kaoping_V1_ReopenRequest()
        reopen.district = district
        reopen.indicator = indicator
        reopen.worker = worker
        reopen.period = period
        reopen.reason = reason
        request.reopen = reopen
        let reply = try control.call(request, signed: true)
        print(
            "reopened \([indicator, district, worker, period].filter { !$0.isEmpty }.joined(separator: "/")): "
                + "submission \(reply.reopen.voidedSubmissionID) (position \(reply.reopen.voidedPosition)) is void; "
                + "the department may submit again")
    }
}

/// `kaoping audit verify`.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the aggregator's audit log, or show what it says about cells.",
        subcommands: [Verify.self, History.self])

    /// Opens the store at `path` read only (these commands take no claim, and change nothing) and checks its audit
    /// chain as it reads it, handing `each` every entry checked: a city's log has hundreds of thousands, and only
    /// what `each` keeps is kept. Returns the store and the number of entries.
    static func verified(
        _ path: String, each: (_ sequence: Int64, _ entry: AuditEntry) -> Void
    ) throws -> (store: AggregatorStore, entries: Int) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("\(path) does not exist; pass the aggregator's store file")
        }
        let opened: AggregatorStore
        do {
            opened = try AggregatorStore(readingAt: path)
        } catch let error as StoreError {
            throw CLIError(error.message)
        } catch {
            throw CLIError("cannot open \(path): \(error)")
        }
        do {
            return (opened, try opened.verifyAuditChain(each: each))
        } catch {
            throw CLIError("\(path): audit chain broken: \(error)")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the audit log's hash chain and check every stored submission against it.")

        @Option(help: ArgumentHelp("The aggregator's SQLite store.", valueName: "FILE"))
        var store: String

        func run() throws {
            // Only what the submissions are checked against is kept of the log.
            var accepted = Set<Data>()
            var feedbackSteps = Set<Data>()
            let (opened, entries) = try AuditCommand.verified(store) { _, entry in
                if entry.kind == .accepted { accepted.insert(entry.envelopeHash) }
                if AuditEvent.feedbackSteps.contains(entry.event) { feedbackSteps.insert(entry.envelopeHash) }
            }
            if let twice = try opened.keysStandingTwice().first {
                throw CLIError(
                    "\(store): two submissions stand for \(twice.key) (positions "
                        + "\(twice.positions.map(String.init).joined(separator: ", "))); only one may. The store was "
                        + "changed outside the aggregator: restore it from a backup, or void one of them by hand")
            }
            var (count, voided) = (0, 0)
            // One submission at a time: a city's store holds hundreds of thousands, each with its envelope.
            try opened.forEachSubmission { submission, isVoided in
                guard accepted.contains(submission.envelope.sha256) else {
                    throw CLIError(
                        "\(store): submission \(submission.submissionID) (position \(submission.position)) has no "
                            + "'accepted' audit entry; the store was altered")
                }
                count += 1
                if isVoided { voided += 1 }
            }
            var feedback = 0
            try opened.forEachFeedback { stored in
                guard feedbackSteps.contains(stored.envelope.sha256) else {
                    throw CLIError(
                        "\(store): \(stored.kind) \(stored.messageID) (feedback step \(stored.step)) has no audit "
                            + "entry; the store was altered")
                }
                feedback += 1
            }
            print(
                "\(store): audit chain ok — \(entries) entries; \(count) submissions stored "
                    + "(\(count - voided) standing, at most one per key; \(voided) voided), each with its audit entry; "
                    + "\(feedback) findings, plans and reviews, each with its audit entry")
        }
    }
}
