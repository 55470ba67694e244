import ArgumentParser
import Foundation
import KaopingAudit
import KaopingCore
import KaopingStore
import KaopingWire

extension AuditCommand {
    /// `kaoping audit history`: who sent which value for a cell, when and with which key, and what else happened to
    /// it, from the store's verified audit log.
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the audit log says about cells: who sent which value and when (signed), what was "
                + "refused, duplicated and reopened, and why.",
            discussion: """
                Reads the aggregator's store (a running aggregator's too) and checks its audit chain first. Each \
                accepted submission is shown with the value as its submitter signed it, the key and the signing \
                time; with --json, also the signed envelope (base64), which anyone holding that submitter's public \
                key can verify. Ids may be typed as clerks type them (d05, 党建, 2023/3/1), read by the catalog.
                """)

        @Option(help: ArgumentHelp("The aggregator's SQLite store.", valueName: "FILE"))
        var store: String

        @Option(help: ArgumentHelp("Only this district (D05).", valueName: "ID"))
        var district: String?

        @Option(help: ArgumentHelp("Only this indicator (party_building, or its label).", valueName: "ID"))
        var indicator: String?

        @Option(help: ArgumentHelp("Only this worker (W0501), exactly as on the roster.", valueName: "ID"))
        var worker: String?

        @Option(help: ArgumentHelp("Only this hotline month (2023-03).", valueName: "MONTH"))
        var period: String?

        @Option(help: ArgumentHelp("Only what this submitter sent or did (party_office, leader:D05, operator).",
            valueName: "ID"))
        var submitter: String?

        @Option(help: ArgumentHelp(
            "The catalog the aggregator runs (for ids and labels); the built-in one when omitted.", valueName: "FILE"))
        var catalog: String?

        @Option(help: ArgumentHelp(
            "The aggregator's keyring: each accepted submission's signature is checked again with its key.",
            valueName: "FILE"))
        var keyring: String?

        @Flag(help: "Print the events as a JSON array, each accepted one with its signed envelope.")
        var json = false

        func validate() throws {
            if worker != nil, period != nil {
                throw ValidationError("--worker and --period name different kinds of cell; give one of them")
            }
        }

        func run() throws {
            let catalog = try CatalogSource.load(self.catalog)
            let keyring = try InputFile.files { () throws(CampaignFileError) in
                try self.keyring.map { path throws(CampaignFileError) in try CampaignFiles.keyring(path) }
            }
            let filter = AuditHistory.Filter(
                indicator: indicator.map { catalog.indicatorID(typed: $0) ?? $0 },
                district: district.map { catalog.districtID(typed: $0) ?? $0 },
                workerOrPeriod: worker ?? period.map { catalog.period(typed: $0) ?? $0 }, submitter: submitter)
            // The whole chain is checked; only the entries asked about are kept.
            var log: AuditLog = []
            let (opened, entries) = try AuditCommand.verified(store) { sequence, entry in
                if filter.admits(entry) { log.append((sequence, entry, Data())) }
            }
            let submissions = try opened.submissions(
                indicator: filter.indicator, district: filter.district, worker: worker,
                period: worker == nil ? filter.workerOrPeriod : nil, submitter: submitter)
            let events = AuditHistory.events(
                log: log, submissions: submissions, filter: filter, catalog: catalog, keyring: keyring)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(events), as: UTF8.self))
                return
            }
            let parts = [
                ("indicator", filter.indicator), ("district", filter.district), ("worker", worker),
                ("month", filter.workerOrPeriod.flatMap { worker == nil ? $0 : nil }), ("submitter", submitter),
            ]
            let about = parts.compactMap { name, value in value.map { "\(name) \($0)" } }.joined(separator: ", ")
            guard !events.isEmpty else {
                throw CLIError(
                    "\(store): nothing in the audit log (\(entries) entries) about \(about); check the ids "
                        + "(`kaoping catalog show` lists districts and indicators)")
            }
            print(
                "\(store): audit chain verified (\(entries) entries); \(events.count) "
                    + (about.isEmpty ? "in all:" : "about \(about):"))
            print(AuditHistory.render(events, time: ChinaTime.printer()))
        }
    }
}
