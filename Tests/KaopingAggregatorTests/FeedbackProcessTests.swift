import Foundation
import KaopingClient
import KaopingCore
import KaopingStore
import KaopingWire
import Testing

/// The feedback loop (§五(二)) through the real binaries: a department's `kaoping-agent finding`, a district head's
/// `kaoping-agent feedback` and `plan`, the department's `review`, and the operator's `kaoping feedback`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FeedbackProcessTests {
    typealias Agents = AgentProcessTests

    /// An agent configuration whose feedback folder is `fb-<submitter>` in the harness's folder.
    static func configuration(_ harness: AggregatorHarness, _ submitter: String) throws -> (config: String, folder: URL)
    {
        let config = try Agents.agentConfiguration(harness, submitter: submitter)
        let folder = harness.folder.appendingPathComponent("fb-\(submitter.replacingOccurrences(of: ":", with: "-"))")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        handle.seekToEndOfFile()
        handle.write(Data("\nfeedback_folder: \(folder.path)\n".utf8))
        try handle.close()
        return (config, folder)
    }

    /// `kaoping feedback …` with the operator's key against the harness's control endpoint.
    static func operatorFeedback(_ harness: AggregatorHarness, _ arguments: [String]) throws -> (Int32, String, String)
    {
        let key = harness.folder.appendingPathComponent("operator.key")
        if !FileManager.default.fileExists(atPath: key.path) {
            try Data(KeyFile.render(harness.operatorIdentity).utf8).write(to: key)
        }
        let aggregatorKey = harness.aggregatorIdentity.publicKey.rawRepresentation.base64EncodedString()
        let (subcommand, rest) = (arguments[0], Array(arguments.dropFirst()))
        let result = try Agents.run(
            "kaoping",
            [
                "feedback", subcommand, "--control", harness.endpoint("control"), "--key", key.path,
                "--aggregator-key", aggregatorKey,
            ] + rest)
        return (result.status, result.out, result.err)
    }

    @Test func departmentsRaiseHeadsAnswerAndNothingIsLostOrMisdelivered() throws {
        let harness = try AggregatorHarness(submitters: ["safety_office", "leader:D05", "leader:D06"])
        try harness.start()
        let department = try Self.configuration(harness, "safety_office")
        let d05 = try Self.configuration(harness, "leader:D05")
        let d06 = try Self.configuration(harness, "leader:D06")
        let later = "2099-06-30"

        // Three findings about D05 and one about D06: two from the command line, two from a CSV with Chinese
        // headings; F-LATE's plan was due long ago.
        var raised = try Agents.run(
            "kaoping-agent",
            [
                "finding", "--config", department.config, "--district", "D05", "--indicator", "stability",
                "--text", "矛盾纠纷排查台账不全", "--plan-due", later, "--id", "F-1",
            ])
        #expect(raised.status == 0, "\(raised.out)\(raised.err)")
        #expect(raised.out.contains("receipt: accepted"), "\(raised.out)")
        raised = try Agents.run(
            "kaoping-agent",
            [
                "finding", "--config", department.config, "--district", "居民区05", "--text", "安全巡查记录缺失",
                "--plan-due", "2024-03-31", "--id", "F-LATE",
            ])
        #expect(raised.status == 0, "\(raised.out)\(raised.err)")
        let csv = harness.folder.appendingPathComponent("findings.csv")
        try Data("\u{FEFF}居民区,指标,问题,整改期限\r\nD05,稳定,群租整治未闭环,2099/6/30\r\nD06,,消防通道堵塞,2099年6月30日\r\n".utf8)
            .write(to: csv)
        let imported = try Agents.run("kaoping-agent", ["import", "--config", department.config, csv.path])
        #expect(imported.status == 0 && imported.out.contains("2 finding row(s) checked, 2 queued"), "\(imported)")
        let sent = try Agents.run("kaoping-agent", ["send", "--config", department.config, "--wait", "10"])
        #expect(sent.status == 0 && sent.out.contains("delivered 2"), "\(sent.out)\(sent.err)")

        // Each head receives exactly its own district's.
        let fetched05 = try Agents.run("kaoping-agent", ["feedback", "--config", d05.config])
        #expect(fetched05.status == 0 && fetched05.out.contains("3 finding(s), 3 open, 1 overdue"), "\(fetched05)")
        #expect(fetched05.out.contains("owed: finding F-LATE"), "\(fetched05.out)")
        let table05 = try String(contentsOf: d05.folder.appendingPathComponent("findings.csv"), encoding: .utf8)
        #expect(table05.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 4, "\(table05)")
        #expect(!table05.contains("消防通道堵塞"))
        let text = try String(contentsOf: d05.folder.appendingPathComponent("F-1.txt"), encoding: .utf8)
        #expect(text.contains("问题：矛盾纠纷排查台账不全") && text.contains("当前状态：待提交方案"), "\(text)")
        let fetched06 = try Agents.run("kaoping-agent", ["feedback", "--config", d06.config])
        #expect(fetched06.out.contains("1 finding(s), 1 open, 0 overdue"), "\(fetched06)")
        let table06 = try String(contentsOf: d06.folder.appendingPathComponent("findings.csv"), encoding: .utf8)
        #expect(table06.contains("消防通道堵塞") && !table06.contains("矛盾纠纷"), "\(table06)")

        // Another district's head may not answer a D05 finding.
        let intruder = try Agents.run(
            "kaoping-agent",
            [
                "plan", "--config", d06.config, "--finding", "F-1", "--measures", "代为整改", "--responsible", "王五",
                "--complete-by", later,
            ])
        #expect(intruder.status == 2 && intruder.out.contains("receipt: unauthorized"), "\(intruder.out)")

        // A plan, returned; a new plan, accepted; rectified.
        func plan(_ id: String, _ measures: String) throws -> (status: Int32, out: String, err: String) {
            try Agents.run(
                "kaoping-agent",
                [
                    "plan", "--config", d05.config, "--finding", "F-1", "--measures", measures, "--responsible", "张三",
                    "--complete-by", later, "--id", id,
                ])
        }
        func review(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try Agents.run("kaoping-agent", ["review", "--config", department.config, "--finding", "F-1"] + arguments)
        }
        #expect(try plan("P-1", "补齐台账").out.contains("receipt: accepted"))
        let second = try plan("P-1b", "另一份方案")
        #expect(second.status == 2 && second.out.contains("receipt: conflict"), "\(second.out)")
        let reviewing = try Agents.run("kaoping-agent", ["send", "--config", department.config])
        #expect(reviewing.out.contains("owed: finding F-1 (D05): plan P-1 awaits your review"), "\(reviewing.out)")
        let returned = try review(["--plan", "P-1", "--verdict", "退回", "--reason", "措施不具体"])
        #expect(returned.out.contains("receipt: accepted"), "\(returned.out)")
        #expect(try plan("P-2", "逐户核查，补齐台账并每月复核").out.contains("receipt: accepted"))
        #expect(try review(["--plan", "P-2", "--verdict", "accepted"]).out.contains("receipt: accepted"))
        #expect(try review(["--verdict", "rectified"]).out.contains("receipt: accepted"))

        // A resend of the returned plan is a duplicate carrying its original receipt.
        let store = try AggregatorStore(readingAt: harness.storePath)
        var stored: [StoredFeedback] = []
        try store.forEachFeedback { stored.append($0) }
        #expect(
            stored.map(\.kind) == [
                "finding", "finding", "finding", "finding", "plan", "review", "plan", "review", "review",
            ])
        #expect(stored.filter { $0.kind == "plan" }.map(\.messageID) == ["P-1", "P-2"])
        let first = try #require(stored.first { $0.messageID == "P-1" })
        let client = try harness.ingestClient()
        let resent = try #require(try client.deliver(first.envelope))
        #expect(resent.receipt.status == .duplicate)
        #expect(resent.receipt.feedbackStep == UInt64(first.step))
        #expect(resent.receipt.originalReceipt == first.receipt)

        // The operator's view: overdue, the whole history, the audit.
        let overdue = try Self.operatorFeedback(harness, ["list", "--state", "overdue"])
        #expect(overdue.0 == 0 && overdue.1.contains("F-LATE") && !overdue.1.contains("F-1 "), "\(overdue)")
        let shown = try Self.operatorFeedback(harness, ["show", "F-1"])
        #expect(shown.0 == 0 && shown.1.contains("当前状态：已整改销号"), "\(shown)")
        #expect(shown.1.components(separatedBy: "  step ").count == 7, "\(shown.1)")
        let verified = try Agents.run("kaoping", ["audit", "verify", "--store", harness.storePath])
        #expect(
            verified.out.contains("\(stored.count) findings, plans and reviews, each with its audit entry"),
            "\(verified)")

        // A killed aggregator comes back with every step.
        harness.stop(signal: SIGKILL)
        try harness.start()
        let again = try Self.operatorFeedback(harness, ["list"])
        #expect(again.1.contains("4 finding(s): 3 open, 1 overdue"), "\(again)")
        let status = try Agents.run("kaoping", ["status", "--control", harness.endpoint("control")])
        #expect(status.out.contains("findings: 3 open, 1 overdue (kaoping feedback list --state overdue)"), "\(status)")
        let export = harness.folder.appendingPathComponent("export.csv")
        let exported = try Self.operatorFeedback(harness, ["export", "--out", export.path])
        #expect(exported.0 == 0)
        #expect(try String(contentsOf: export, encoding: .utf8).contains("已整改销号"))
    }
}
