import Foundation
import KaopingClient
import KaopingCore
import KaopingStore
import KaopingWire
import Testing

/// The real `kaoping-agent` against the real aggregator: a durable outbox, retries while the aggregator is down,
/// and the operator's status and export commands.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AgentProcessTests {
    /// Runs a binary to completion and returns its status and output.
    @discardableResult
    static func run(_ binary: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = AggregatorHarness.binary(binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)
        )
    }

    /// Queues one party_building score with `kaoping-agent submit --queue-only` (nothing is sent), expecting success.
    static func queue(_ config: String, _ district: String, _ score: String) throws {
        let queued = try run(
            "kaoping-agent", ["submit", "--config", config, "--district", district, "--score", score, "--queue-only"])
        #expect(queued.status == 0, "\(queued.err)")
    }

    /// Starts `kaoping-agent run` with `config`; the caller stops it.
    static func startAgent(_ config: String) throws -> Process {
        let agent = Process()
        agent.executableURL = AggregatorHarness.binary("kaoping-agent")
        agent.arguments = ["run", "--config", config, "--log-level", "error"]
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        return agent
    }

    /// Waits (up to 10 s) until the published ranking includes ledger position `position`: the ranking follows
    /// the receipts of a batch by a moment.
    static func waitForRanking(_ harness: AggregatorHarness, position: Int) throws {
        let feed = try harness.feedSubscriber()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if case .ranking(_, let ranking, _) = try feed.resnapshot(), ranking.ledgerPosition >= position { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    static func agentConfiguration(_ harness: AggregatorHarness, submitter: String) throws -> String {
        let key = harness.folder.appendingPathComponent("\(submitter).key")
        try Data(KeyFile.render(harness.identities[submitter]!).utf8).write(to: key)
        let path = harness.folder.appendingPathComponent("agent-\(submitter).yaml").path
        let yaml = """
            key: \(key.path)
            aggregator: \(harness.endpoint("ingest"))
            aggregator_public_key: "\(harness.aggregatorIdentity.publicKey.rawRepresentation.base64EncodedString())"
            outbox: \(harness.folder.appendingPathComponent("outbox-\(submitter).sqlite").path)
            heartbeat_seconds: 1
            retry_initial_seconds: 0.2
            retry_max_seconds: 1
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theOutboxSurvivesAgentRestartsAndDrainsOnceTheAggregatorIsBack() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        let config = try Self.agentConfiguration(harness, submitter: "party_office")
        for (district, score) in [("D01", "13"), ("居民区02", "12.5"), ("D03", "14")] {
            try Self.queue(config, district, score)
        }
        // The aggregator is down: the daemon retries, then is killed outright.
        let agent = try Self.startAgent(config)
        Thread.sleep(forTimeInterval: 1.5)
        kill(agent.processIdentifier, SIGKILL)
        agent.waitUntilExit()
        let outbox = try Outbox(path: harness.folder.appendingPathComponent("outbox-party_office.sqlite").path)
        #expect(try outbox.counts()[.pending] == 3)
        #expect(try outbox.items().allSatisfy { $0.attempts >= 1 })

        // A new daemon, then the aggregator comes up: everything is delivered once.
        let again = try Self.startAgent(config)
        defer {
            kill(again.processIdentifier, SIGTERM)
            again.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 0.5)
        try harness.start()
        let deadline = Date().addingTimeInterval(20)
        while (try outbox.counts()[.pending] ?? 0) > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        #expect(try outbox.counts() == [.delivered: 3])
        // Resent together, as one batch: answered by one receipt batch, kept once, each item with its entry.
        let items = try outbox.items()
        #expect(Set(items.compactMap(\.receiptEntry)) == [0, 1, 2] && Set(items.map(\.receipt)).count == 1)
        for item in items {
            let receipt = try ReceiptCheck.open(
                try #require(item.receipt), entry: item.receiptEntry, aggregatorKey: harness.aggregatorEntry,
                campaign: "zhongshan-2023")
            #expect(receipt.receipt.status == .accepted && receipt.receipt.envelopeHash == item.envelopeHash)
        }
        // Heartbeats reach the operator's status.
        Thread.sleep(forTimeInterval: 1.5)
        let status = try Self.run("kaoping", ["status", "--control", harness.endpoint("control"), "--json"])
        #expect(status.status == 0)
        #expect(status.out.contains("\"cells_filled\": 3") || status.out.contains("\"cells_filled\":3"))
        let text = try Self.run("kaoping", ["status", "--control", harness.endpoint("control")])
        let row = try #require(text.out.split(separator: "\n").first { $0.hasPrefix("party_office") })
        #expect(!row.contains("never") && !row.contains("silent"))
        let list = try Self.run("kaoping-agent", ["outbox", "--config", config])
        #expect(list.out.contains("0 pending, 3 delivered, 0 refused"))
        // Each delivered item with its receipt's time.
        let delivered = list.out.split(separator: "\n").filter { $0.hasPrefix("delivered") }
        #expect(delivered.count == 3)
        #expect(delivered.allSatisfy { $0.contains(/\ \ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/) }, "\(list.out)")
        // The proof of delivery, for a dispute: each signed envelope with the aggregator's signed receipt for it.
        let proof = try Self.run("kaoping-agent", ["outbox", "--config", config, "--json"])
        let proofs = try proof.out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(proofs.count == 3)
        for line in proofs {
            let (sent, answer) = (line["envelope"] as? String ?? "", line["receipt"] as? String ?? "")
            let envelope = try #require(Data(base64Encoded: sent))
            let receipt = try ReceiptCheck.open(
                try #require(Data(base64Encoded: answer)), entry: line["receipt_entry"] as? Int,
                aggregatorKey: harness.aggregatorEntry, campaign: "zhongshan-2023")
            #expect(line["receipt_entry"] as? Int != nil)
            #expect(receipt.receipt.envelopeHash == envelope.sha256 && line["state"] as? String == "delivered")
        }
        harness.stop()
        #expect(try AggregatorStore(path: harness.storePath).standingSubmissions().count == 3)
    }

    /// A second `run` on an outbox a daemon holds (a manual start beside the service) is refused, naming the
    /// holder; the first delivers on. Once that one is killed, a new daemon may take the outbox.
    @Test func aSecondAgentDaemonOnTheSameOutboxIsRefused() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        let config = try Self.agentConfiguration(harness, submitter: "party_office")
        let first = try Self.startAgent(config)
        defer { AggregatorHarness.ended(first, within: 0) }
        let lock = harness.folder.appendingPathComponent("outbox-party_office.sqlite.lock").path
        let deadline = Date().addingTimeInterval(20)
        let holder = "\(first.processIdentifier)\n"
        while (try? String(contentsOfFile: lock, encoding: .utf8)) != holder, Date() < deadline { usleep(20_000) }
        let second = Process()
        second.executableURL = AggregatorHarness.binary("kaoping-agent")
        second.arguments = ["run", "--config", config]
        let errors = Pipe()
        second.standardError = errors
        try second.run()
        #expect(AggregatorHarness.ended(second, within: 20), "a second agent daemon ran on the outbox in use")
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(second.terminationStatus != 0)
        #expect(
            text.contains("is in use by another agent daemon (process \(first.processIdentifier)); it already "),
            "\(text)")
        // The first one still delivers.
        try harness.start()
        try Self.queue(config, "D01", "13")
        let outbox = try Outbox(path: harness.folder.appendingPathComponent("outbox-party_office.sqlite").path)
        let delivered = Date().addingTimeInterval(20)
        while try outbox.counts() != [.delivered: 1], Date() < delivered { usleep(50_000) }
        #expect(try outbox.counts() == [.delivered: 1])
        // The kernel lets go of a killed daemon's claim.
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let next = try Self.startAgent(config)
        Thread.sleep(forTimeInterval: 1)
        #expect(next.isRunning)
        kill(next.processIdentifier, SIGTERM)
        #expect(AggregatorHarness.ended(next, within: 20))
        #expect(harness.stop() == 0)
    }

    /// SIGTERM stops the daemon's services in the reverse order of their start — the inbox takes no more files,
    /// heartbeats stop, the sender stops, the receipt reader reads the last answers — and it exits 0 in seconds, even
    /// in the middle of a ten-minute wait between heartbeats.
    @Test func theDaemonShutsDownInOrderOnSIGTERM() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        let config = try Self.agentConfiguration(harness, submitter: "party_office")
        let inbox = harness.folder.appendingPathComponent("inbox").path
        var yaml = try String(contentsOfFile: config, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "heartbeat_seconds: 1", with: "heartbeat_seconds: 600")
        try Data((yaml + "\ninbox: \(inbox)\n").utf8).write(to: URL(fileURLWithPath: config))
        let log = harness.folder.appendingPathComponent("agent.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let agent = Process()
        agent.executableURL = AggregatorHarness.binary("kaoping-agent")
        agent.arguments = ["run", "--config", config, "--log-level", "debug"]
        agent.standardError = try FileHandle(forWritingTo: log)
        try agent.run()
        defer { AggregatorHarness.ended(agent, within: 0) }
        func text() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let started = Date().addingTimeInterval(20)
        while !text().contains("Starting service"), Date() < started { usleep(20_000) }
        Thread.sleep(forTimeInterval: 0.5)
        kill(agent.processIdentifier, SIGTERM)
        #expect(AggregatorHarness.ended(agent, within: 10), "the agent did not stop within 10 s of SIGTERM")
        #expect(agent.terminationStatus == 0, "\(text())")
        let order = text().split(separator: "\n").filter { $0.contains("Triggering graceful shutdown for service") }
            .compactMap { line in
                line.firstRange(of: "sl-service=").map { line[$0.upperBound...].prefix { $0 != " " } }
            }
        #expect(order == ["inbox", "feedback", "heartbeats", "sender", "receipts"], "\(text())")
        #expect(text().contains("agent stopped"))
    }

    /// An agent configured with another aggregator key than the one running gets answers it cannot trust: `send`
    /// says so and what to check, rather than that the aggregator did not answer.
    @Test func sendSaysWhenTheAggregatorAnswersWithReceiptsThatDoNotVerify() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let config = try Self.agentConfiguration(harness, submitter: "party_office")
        let right = harness.aggregatorIdentity.publicKey.rawRepresentation.base64EncodedString()
        let other = SigningIdentity.generate(for: "aggregator").publicKey.rawRepresentation.base64EncodedString()
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
        try Data(yaml.replacingOccurrences(of: right, with: other).utf8).write(to: URL(fileURLWithPath: config))
        try Self.queue(config, "D01", "13")
        let send = try Self.run("kaoping-agent", ["send", "--config", config, "--wait", "3"])
        #expect(send.status != 0)
        #expect(
            send.err.contains("1 submission(s) still pending: the aggregator answered ")
                && send.err.contains("not signed by the aggregator's key")
                && send.err.contains("check aggregator_public_key and campaign in \(config)"), "\(send.err)")
        // With the right key, the same outbox item is delivered: the aggregator had accepted it meanwhile.
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: config))
        let again = try Self.run("kaoping-agent", ["send", "--config", config, "--wait", "10"])
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("delivered 1, refused 0, still pending 0"), "\(again.out)")
        #expect(harness.stop() == 0)
    }

    /// With CURVE on, an agent whose key the aggregator does not admit gets no answer at all (the connection is
    /// closed during the handshake): `send` says so, with the keyring line to ask for; an agent configured without
    /// the aggregator's CURVE key is told to set it. The agent whose key is listed delivers over the encrypted
    /// connection.
    @Test func anAgentWhoseKeyIsNotAdmittedIsToldWhichKeyringLineToAskFor() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"], curve: true)
        try harness.start()
        let listed = try Self.agentConfiguration(harness, submitter: "party_office")
        let server = try #require(harness.aggregatorIdentity.transport).publicKey.base64EncodedString()
        let yaml = try String(contentsOfFile: listed, encoding: .utf8) + "\naggregator_curve_key: \"\(server)\"\n"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: listed))
        let stranger = try AggregatorHarness.identity("party_office", curve: true)
        let strangerKey = harness.folder.appendingPathComponent("stranger.key")
        try Data(KeyFile.render(stranger).utf8).write(to: strangerKey)
        let unlisted = harness.folder.appendingPathComponent("agent-stranger.yaml").path
        let strangerYAML = yaml.replacingOccurrences(of: "party_office.key", with: "stranger.key")
            .replacingOccurrences(of: "outbox-party_office", with: "outbox-stranger")
        try Data(strangerYAML.utf8).write(to: URL(fileURLWithPath: unlisted))
        for config in [listed, unlisted] { try Self.queue(config, "D01", "13") }
        let refused = try Self.run("kaoping-agent", ["send", "--config", unlisted, "--wait", "2"])
        #expect(refused.status != 0)
        #expect(
            refused.err.contains("did not answer in 2 s")
                && refused.err.contains("does not admit this client's CURVE key")
                && refused.err.contains("  " + Keyring.line(for: stranger)), "\(refused.err)")
        let plaintext = harness.folder.appendingPathComponent("agent-plaintext.yaml").path
        let plainYAML = yaml.replacingOccurrences(of: "aggregator_curve_key:", with: "# aggregator_curve_key:")
            .replacingOccurrences(of: "outbox-party_office", with: "outbox-plaintext")
        try Data(plainYAML.utf8).write(to: URL(fileURLWithPath: plaintext))
        try Self.queue(plaintext, "D01", "13")
        let mismatch = try Self.run("kaoping-agent", ["send", "--config", plaintext, "--wait", "2"])
        #expect(mismatch.status != 0)
        #expect(
            mismatch.err.contains("encrypts (CURVE, its default), but this client connects in plaintext; set "
                + "aggregator_curve_key in the configuration")
                || mismatch.err.contains("closes the connection during the handshake; check aggregator_curve_key")
                || mismatch.err.contains("one end encrypts (CURVE) and the other does not, or it does not admit "
                    + "this client's key; check aggregator_curve_key"), "\(mismatch.err)")
        let delivered = try Self.run("kaoping-agent", ["send", "--config", listed, "--wait", "10"])
        #expect(delivered.status == 0, "\(delivered.err)")
        #expect(delivered.out.contains("delivered 1, refused 0, still pending 0"), "\(delivered.out)")
        #expect(harness.stop() == 0)
    }

    /// A clerk who works by the inbox folder alone sees the aggregator's refusal of a dropped row in `failed/`,
    /// though the file itself went to `done/`: its other rows stand.
    @Test func aConflictOfADroppedRowIsWrittenToTheInboxesFailedFolder() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let standing = try #require(
            try harness.ingestClient().deliver(try harness.sealed("party_building", "D01", "13", by: "party_office")))
        #expect(standing.receipt.status == .accepted)
        let config = try Self.agentConfiguration(harness, submitter: "party_office")
        let inbox = harness.folder.appendingPathComponent("inbox")
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
        let watching = yaml + "\ninbox: \(inbox.path)\ninbox_scan_seconds: 0.2\n"
        try Data(watching.utf8).write(to: URL(fileURLWithPath: config))
        let agent = try Self.startAgent(config)
        defer {
            kill(agent.processIdentifier, SIGTERM)
            AggregatorHarness.ended(agent, within: 20)
        }
        let failed = inbox.appendingPathComponent("failed")
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: failed.path), Date() < deadline { usleep(50_000) }
        let dropped = inbox.appendingPathComponent("scores.csv")
        try Data("居民区,得分\nD01,14\nD02,12\n".utf8).write(to: dropped)
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-5)], ofItemAtPath: dropped.path)
        var notes: [String] = []
        while notes.isEmpty, Date() < deadline {
            usleep(100_000)
            notes = (try? FileManager.default.contentsOfDirectory(atPath: failed.path))?
                .filter { $0.hasSuffix("-scores.csv.refused.txt") } ?? []
        }
        let name = try #require(notes.first, "no refusal was written to \(failed.path)")
        let note = try String(contentsOf: failed.appendingPathComponent(name), encoding: .utf8)
        #expect(note.contains("  line 2: party_building/D01 — conflict: party_building/D01 was already accepted"))
        #expect(!note.contains("D02"), "\(note)")
        let done = try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("done").path)
        #expect(done.contains(String(name.dropLast(".refused.txt".count))), "\(done)")
        #expect(harness.stop() == 0)
    }

    @Test func killingTheAggregatorMidDeliveryLosesNothingAndDuplicatesNothing() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/demo/sample-campaign.jsonl")
        let submitters = ["city_ops", "survey_vendor", "assessment_team", "party_office"]
        let sampleLines = try String(contentsOf: sample, encoding: .utf8).split(separator: "\n").map(String.init)
        let lines = sampleLines.filter { line in
            submitters.contains { line.contains("\"submitter\": \"\($0)\"") } && !line.contains("14.80")
                && line.contains("\"indicator\": \"") && !line.contains("worker_democratic_review")
        }
        let harness = try AggregatorHarness(submitters: submitters)
        try harness.start()
        var agents: [Process] = []
        var outboxes: [Outbox] = []
        for submitter in submitters {
            let config = try Self.agentConfiguration(harness, submitter: submitter)
            let file = harness.folder.appendingPathComponent("\(submitter).jsonl")
            let own = lines.filter { $0.contains("\"submitter\": \"\(submitter)\"") }
            try Data(own.joined(separator: "\n").utf8).write(to: file)
            let imported = try Self.run("kaoping-agent", ["import", "--config", config, file.path])
            #expect(imported.status == 0, "\(imported.err)")
            agents.append(try Self.startAgent(config))
            outboxes.append(try Outbox(path: harness.folder.appendingPathComponent("outbox-\(submitter).sqlite").path))
        }
        defer {
            for agent in agents where agent.isRunning {
                kill(agent.processIdentifier, SIGTERM)
                agent.waitUntilExit()
            }
        }
        // Kill the aggregator outright twice while the agents deliver, and bring it back.
        for _ in 0..<2 {
            Thread.sleep(forTimeInterval: 0.4)
            harness.stop(signal: SIGKILL)
            Thread.sleep(forTimeInterval: 0.5)
            try harness.start()
        }
        let deadline = Date().addingTimeInterval(60)
        func pending() throws -> Int { try outboxes.reduce(0) { $0 + ((try $1.counts()[.pending]) ?? 0) } }
        while try pending() > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.3) }
        #expect(try pending() == 0)
        #expect(try outboxes.map { try $0.counts()[.rejected] ?? 0 } == [0, 0, 0, 0])

        // Every receipt an agent holds matches exactly one stored submission.
        let store = try AggregatorStore(path: harness.storePath)
        let stored = try store.standingSubmissions()
        #expect(stored.count == lines.count)
        let byID = Dictionary(grouping: stored, by: \.submissionID)
        for outbox in outboxes {
            for item in try outbox.items() {
                let receipt = try ReceiptCheck.open(
                    try #require(item.receipt), entry: item.receiptEntry, aggregatorKey: harness.aggregatorEntry,
                    campaign: "zhongshan-2023")
                let matches = byID[receipt.receipt.status == .duplicate
                    ? receipt.receipt.originalSubmissionID : receipt.receipt.submissionID] ?? []
                #expect(matches.count == 1)
                #expect(matches.first.map { UInt64($0.position) } == receipt.receipt.ledgerPosition)
            }
        }
        // The final ranking equals `kaoping score` over the same lines.
        let input = harness.folder.appendingPathComponent("all.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: input)
        try Self.waitForRanking(harness, position: try store.load { _ in }.lastPosition)
        let scored = try Self.run("kaoping", ["score", "--input", input.path])
        let offline = try #require(try JSONSerialization.jsonObject(with: Data(scored.out.utf8)) as? [String: Any])
        let live = try Self.run("kaoping", [
            "export", "--feed", harness.endpoint("feed"), "--snapshot", harness.endpoint("snapshot"),
            "--format", "json",
        ])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(live.out.utf8)) as? [String: Any])
        func rows(_ document: [String: Any]) -> [String] {
            (document["districts"] as? [[String: Any]] ?? []).map {
                "\($0["district"]!) \($0["total"]!) \($0["rank"]!) \($0["grade"]!)"
            }
        }
        #expect(rows(document) == rows(offline))
        #expect(try store.verifyAuditChain() >= lines.count)
        harness.stop()
    }

    @Test func afterARestoreFromABackupSendAgainSinceRedeliversWhatTheBackupMissed() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        let config = try Self.agentConfiguration(harness, submitter: "party_office")
        func submit(_ district: String, _ score: String) throws {
            let run = try Self.run(
                "kaoping-agent", ["submit", "--config", config, "--district", district, "--score", score])
            #expect(run.status == 0 && run.out.contains("receipt: accepted"), "\(run.out)\(run.err)")
        }
        try harness.start()
        try submit("D01", "13")
        // A backup, taken while the aggregator is stopped (a cold copy of the database).
        #expect(harness.stop() == 0)
        let backup = harness.folder.appendingPathComponent("backup.sqlite")
        try FileManager.default.copyItem(atPath: harness.storePath, toPath: backup.path)
        #expect(!FileManager.default.fileExists(atPath: harness.storePath + "-wal"), "the WAL was not merged")
        // The time of the backup, to the second (China Standard Time, as `kaoping-agent outbox` prints it): later
        // than D01's receipt, earlier than D02's.
        Thread.sleep(forTimeInterval: 1.1)
        let backupTime = ChinaTime.format(SystemClock().now)
        try harness.start()
        try submit("D02", "12")
        #expect(harness.stop() == 0)

        // The disk is lost; the backup goes back in place. D02 was acknowledged, but the restored store lacks it.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: harness.storePath + suffix) }
        try FileManager.default.copyItem(atPath: backup.path, toPath: harness.storePath)
        #expect(try AggregatorStore(path: harness.storePath).standingSubmissions().map(\.key.district) == ["D01"])

        try harness.start()
        let again = try Self.run("kaoping-agent", ["send", "--config", config, "--again-since", backupTime])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        #expect(again.out.contains("queued again 1 submission(s)"), "\(again.out)")
        #expect(harness.stop() == 0)
        let standing = try AggregatorStore(path: harness.storePath).standingSubmissions()
        #expect(standing.map(\.key.district) == ["D01", "D02"])
        let outbox = try Outbox(path: harness.folder.appendingPathComponent("outbox-party_office.sqlite").path)
        #expect(try outbox.counts() == [.delivered: 2])
        // D02's new receipt is the restored store's own (position 2), the proof an agent keeps from now on.
        let d02 = try #require(try outbox.items().first { $0.subject == "party_building/D02" })
        let receipt = try ReceiptCheck.open(
            try #require(d02.receipt), entry: d02.receiptEntry, aggregatorKey: harness.aggregatorEntry,
            campaign: "zhongshan-2023")
        #expect(receipt.receipt.status == .accepted && receipt.receipt.ledgerPosition == 2)
        #expect(try AggregatorStore(path: harness.storePath).verifyAuditChain() >= 2)
    }

    /// A command whose idea of the aggregator's encryption is not the aggregator's says so in one line, without
    /// waiting out its timeout, either way round, instead of asking whether the aggregator runs.
    @Test func aModeMismatchIsExplainedEitherWayRound() throws {
        let plaintext = try AggregatorHarness(submitters: [])
        try plaintext.start()
        let operatorKey = try AggregatorHarness.identity("operator", curve: true)
        let keyFile = plaintext.folder.appendingPathComponent("curve-operator.key")
        try Data(KeyFile.render(operatorKey).utf8).write(to: keyFile)
        let curveLine = Keyring.line(for: try AggregatorHarness.identity("aggregator", curve: true))
        let started = Date()
        let encrypted = try Self.run(
            "kaoping",
            ["keys", "reload", "--control", plaintext.endpoint("control"), "--aggregator-key", curveLine,
             "--key", keyFile.path, "--timeout", "60"])
        #expect(encrypted.status != 0)
        #expect(Date().timeIntervalSince(started) < 45, "it waited for the timeout")
        // Why, when libzmq tells (a server may close before its greeting is read: then either way round is named).
        #expect(
            encrypted.err.contains("does not encrypt (it runs with curve: false), but this client connects with "
                + "CURVE; give --aggregator-key without its CURVE key")
                || encrypted.err.contains("closes the connection during the handshake: one end encrypts"),
            "\(encrypted.err)")
        #expect(encrypted.err.split(separator: "\n").count == 1, "\(encrypted.err)")
        #expect(plaintext.stop() == 0)

        let curve = try AggregatorHarness(submitters: [], curve: true)
        try curve.start()
        let publicOnly = curve.aggregatorIdentity.publicKey.rawRepresentation.base64EncodedString()
        let plain = try Self.run(
            "kaoping", ["status", "--control", curve.endpoint("control"), "--aggregator-key", publicOnly])
        #expect(plain.status != 0)
        #expect(
            plain.err.contains("encrypts (CURVE, its default), but this client connects in plaintext; give "
                + "--aggregator-key the aggregator's whole keyring line")
                || plain.err.contains("closes the connection during the handshake: one end encrypts"),
            "\(plain.err)")
        #expect(curve.stop() == 0)
    }

    @Test func statusAnswersWhenTheReplyIsLargeAndSaysWhyWhenRefused() throws {
        // 3 300 workers, none reviewed yet: the status lists 6 600 missing worker cells, far above the 64 KiB limit
        // of an envelope sent to the aggregator.
        var roster = "id,name,district\n"
        for district in 1...22 {
            let id = district < 10 ? "D0\(district)" : "D\(district)"
            for worker in 1...150 { roster += "W\(district)-\(worker),工作者\(worker),\(id)\n" }
        }
        let harness = try AggregatorHarness(submitters: ["party_office"], roster: roster)
        try harness.start()
        let json = try Self.run("kaoping", ["status", "--control", harness.endpoint("control"), "--json"])
        #expect(json.status == 0, "\(json.err)")
        #expect(json.out.utf8.count > 64 * 1024)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect((status["missing"] as? [Any])?.count ?? 0 > 6_600)
        let text = try Self.run("kaoping", ["status", "--control", harness.endpoint("control")])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("0/300"))

        // A refusal ends the command at once, in words: it used to hang in the release build, terminating the
        // ZeroMQ context before the socket was closed.
        let refused = try Self.run(
            "kaoping",
            [
                "status", "--control", harness.endpoint("control"), "--campaign", "other-2023", "--timeout", "5",
                "--json",
            ])
        #expect(refused.status != 0)
        #expect(refused.err.contains("the aggregator refused") && refused.err.contains("zhongshan-2023"))
    }

    /// Runs `kaoping reopen` with the harness's operator key.
    static func reopen(_ harness: AggregatorHarness, district: String, indicator: String, reason: String) throws
        -> (status: Int32, out: String, err: String)
    {
        let key = harness.folder.appendingPathComponent("operator.key")
        try Data(KeyFile.render(harness.operatorIdentity).utf8).write(to: key)
        return try run("kaoping", [
            "reopen", "--control", harness.endpoint("control"), "--key", key.path, "--district", district,
            "--indicator", indicator, "--reason", reason,
        ])
    }

    /// `kaoping reopen` reads ids as the operator types them (d01, 党建, 2023/3/1), by the campaign's catalog.
    @Test func reopenReadsIdsAsTheOperatorTypesThem() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        _ = try client.deliver(try harness.sealed("party_building", "D01", "13", by: "party_office"))
        let reopen = try Self.reopen(harness, district: "d01", indicator: "党建", reason: "typo in the sheet")
        #expect(reopen.status == 0, "\(reopen.err)")
        #expect(reopen.out.hasPrefix("reopened party_building/D01: submission "))
        // What the catalog does not know goes as typed, and the aggregator says why it cannot.
        let unknown = try Self.reopen(harness, district: "d99", indicator: "party_building", reason: "x")
        #expect(unknown.status != 0 && unknown.err.contains("d99"), "\(unknown.err)")
        #expect(harness.stop() == 0)
    }

    /// `kaoping audit history` answers "who sent which number": each event about a cell from the verified audit
    /// log, every accepted value as signed with its key and a signature checked again, refusals and reopens with
    /// their reasons, and with --json the signed envelopes themselves.
    @Test func auditHistoryShowsWhoSentWhichValueAndWhatHappenedToIt() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let client = try harness.ingestClient()
        for (district, score) in [("D01", "13"), ("D01", "14"), ("D02", "12")] {
            _ = try client.deliver(try harness.sealed("party_building", district, score, by: "party_office"))
        }
        let reopen = try Self.reopen(harness, district: "D01", indicator: "party_building", reason: "党建办来函更正")
        #expect(reopen.status == 0, "\(reopen.err)")
        let corrected = try #require(
            try client.deliver(try harness.sealed("party_building", "D01", "12.5", by: "party_office")))
        #expect(corrected.receipt.status == .accepted)
        #expect(harness.stop() == 0)

        let history = try Self.run("kaoping", [
            "audit", "history", "--store", harness.storePath, "--district", "d01", "--indicator", "党建", "--keyring",
            harness.keyringPath,
        ])
        #expect(history.status == 0, "\(history.err)")
        let lines = history.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix("4 about indicator party_building, district D01:") == true, "\(history.out)")
        let events = Array(lines.dropFirst())
        #expect(events.count == 4, "\(history.out)")
        guard events.count == 4 else { return }
        let keyID = harness.identities["party_office"]!.keyID
        #expect(events[0].contains(/\ \ #\d+\ \ accepted\ \ party_building\/D01\ \ 13\ \ by\ party_office\ \(key\ /))
        #expect(events[0].contains("(key \(keyID)), signed "))
        #expect(events[0].contains(", signature verified, position 1 (voided later), submission "))
        #expect(events[1].contains("  conflict  party_building/D01  by party_office (key \(keyID)), submission "))
        #expect(events[1].contains(" — party_building/D01 was already accepted with different content"))
        #expect(events[2].contains("  reopened  party_building/D01  by operator (key "))
        #expect(events[2].contains(", voids submission "))
        #expect(events[2].hasSuffix(" — 党建办来函更正"))
        #expect(events[3].contains("accepted  party_building/D01  12.5  by party_office"))
        #expect(events[3].contains(", signature verified, position 3, submission "))

        // The signed envelope, for anyone holding the submitter's public key.
        let json = try Self.run("kaoping", [
            "audit", "history", "--store", harness.storePath, "--district", "D01", "--indicator", "party_building",
            "--json",
        ])
        #expect(json.status == 0, "\(json.err)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        #expect(array.map { $0["event"] as? String } == ["accepted", "conflict", "reopened", "accepted"])
        let base64 = try #require(array.last?["envelope"] as? String)
        let envelope = try SignedEnvelope.decode(try #require(Data(base64Encoded: base64)))
        #expect(SignedEnvelope.verify(envelope, with: harness.identities["party_office"]!.publicKey))
        #expect(array[3]["value"] as? String == "12.5" && array[3]["position"] as? Int == 3)

        let none = try Self.run("kaoping", ["audit", "history", "--store", harness.storePath, "--district", "D09"])
        #expect(none.status != 0 && none.err.contains("nothing in the audit log"), "\(none.err)")
    }

    @Test func statusShowsTheMatrixAndExportWritesCSVWithABOM() throws {
        let harness = try AggregatorHarness(submitters: ["party_office", "city_ops"])
        try harness.start()
        let client = try harness.ingestClient()
        _ = try client.deliver(try harness.sealed("party_building", "D01", "13", by: "party_office"))
        _ = try client.deliver(try harness.sealed("party_building", "D02", "14", by: "party_office"))

        try Self.waitForRanking(harness, position: 2)
        let status = try Self.run("kaoping", ["status", "--control", harness.endpoint("control")])
        #expect(status.status == 0, "\(status.err)")
        let lines = status.out.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("居民区") })
        #expect(header.contains("党建") && header.contains("热线"))
        let d01 = try #require(lines.first { $0.hasPrefix("居民区01") })
        let d03 = try #require(lines.first { $0.hasPrefix("居民区03") })
        #expect(d01.contains("✓") && !d03.contains("✓"))
        #expect(d01.contains("0/12"))
        // One district: its row, and who owes it what.
        let one = try Self.run("kaoping", ["status", "--control", harness.endpoint("control"), "--district", "D03"])
        #expect(one.status == 0, "\(one.err)")
        let oneRows = one.out.split(separator: "\n").filter { $0.hasPrefix("居民区") }
        #expect(oneRows.map { $0.split(separator: " ")[0] } == ["居民区", "居民区03"])
        #expect(one.out.contains("owed: cells of D03 only"))
        // Asked for narrowed (D03's cells and every district's counts), the row reads as in the whole status.
        #expect(oneRows.last.map(String.init) == d03)
        // Typed in lower case or full width, the same district.
        for typed in ["d03", "Ｄ０３"] {
            let again = try Self.run(
                "kaoping", ["status", "--control", harness.endpoint("control"), "--district", typed])
            #expect(again.status == 0 && again.out == one.out, "\(typed): \(again.err)")
        }
        let narrowed = try Self.run(
            "kaoping", ["status", "--control", harness.endpoint("control"), "--json", "--district", "d03"])
        #expect(narrowed.status == 0, "\(narrowed.err)")
        let reply = try #require(try JSONSerialization.jsonObject(with: Data(narrowed.out.utf8)) as? [String: Any])
        let cells = try #require(reply["missing"] as? [[String: Any]])
        #expect(!cells.isEmpty && cells.allSatisfy { $0["district"] as? String == "D03" })
        #expect(reply["narrowed"] as? Bool == true && reply["ranking"] == nil)
        #expect((reply["districts"] as? [Any])?.count == 22)
        let unknown = try Self.run(
            "kaoping", ["status", "--control", harness.endpoint("control"), "--json", "--district", "D3"])
        #expect(unknown.status != 0 && unknown.err.contains("district 'D3' is not in zhongshan-2023"))
        // Mistakes are named before anything is asked of the aggregator.
        let typo = try Self.run("kaoping", ["status", "--control", harness.endpoint("control"), "--district", "D3"])
        #expect(typo.status != 0 && typo.err.contains("district 'D3' is not in zhongshan-2023"))
        #expect(typo.err.contains("D01…D22"))
        let otherCampaign = try Self.run(
            "kaoping", ["status", "--control", harness.endpoint("control"), "--campaign", "city-2023"])
        #expect(otherCampaign.status != 0)
        #expect(otherCampaign.err.contains("the catalog is for zhongshan-2023, not city-2023"))
        #expect(status.out.contains("2 of 440 cells filled"))

        let csv = try Self.run("kaoping", [
            "export", "--feed", harness.endpoint("feed"), "--snapshot", harness.endpoint("snapshot"), "--format", "csv",
        ])
        #expect(csv.status == 0, "\(csv.err)")
        #expect(csv.out.hasPrefix("\u{FEFF}类型 kind,排名 rank"))
        let rows = csv.out.split(separator: "\r\n")
        #expect(rows.count == 23)
        #expect(rows[1] == "居民区,1,D02,居民区02,D02,14.00,优秀,excellent,临时 provisional")

        let json = try Self.run("kaoping", [
            "export", "--feed", harness.endpoint("feed"), "--snapshot", harness.endpoint("snapshot"),
            "--format", "json",
        ])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect((document["districts"] as? [[String: Any]])?.first?["district"] as? String == "D02")
        #expect(document["final"] as? Bool == false)

        let watch = try Self.run("kaoping", [
            "watch", "--feed", harness.endpoint("feed"), "--snapshot", harness.endpoint("snapshot"), "--json", "--once",
        ])
        let update = try #require(try JSONSerialization.jsonObject(with: Data(watch.out.utf8)) as? [String: Any])
        #expect(update["ledger_position"] as? Int == 2)
        // Into a pipe, the live view is a line per update: a screen redrawn there would be control codes.
        let piped = try Self.run("kaoping", [
            "watch", "--feed", harness.endpoint("feed"), "--snapshot", harness.endpoint("snapshot"), "--seconds", "1.5",
        ])
        #expect(piped.status == 0, "\(piped.err)")
        #expect(!piped.out.contains("\u{1B}"))
        #expect(piped.out.hasPrefix("#") && piped.out.contains("临时 provisional 2/440 cells — 第一 居民区02 14.00\n"))
        let table = try Self.run("kaoping", [
            "watch", "--feed", harness.endpoint("feed"), "--snapshot", harness.endpoint("snapshot"), "--once",
        ])
        #expect(!table.out.contains("\u{1B}") && table.out.contains("居民区02"))
        #expect(table.out.split(separator: "\n").count > 22)
        harness.stop()

        let down = try Self.run("kaoping", ["status", "--control", harness.endpoint("control"), "--timeout", "1"])
        #expect(down.status != 0)
        #expect(down.err.contains("is the aggregator running?"))
    }
}
