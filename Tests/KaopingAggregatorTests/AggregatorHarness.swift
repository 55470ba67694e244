import Foundation
import KaopingClient
import KaopingCore
import KaopingWire
import Synchronization
import ZeroMQ

/// Runs the real `kaoping-aggregator` binary in a temporary folder, on ipc:// endpoints, with fresh keys.
final class AggregatorHarness: @unchecked Sendable {
    let folder: URL
    let aggregatorIdentity: SigningIdentity
    let operatorIdentity: SigningIdentity
    private(set) var identities: [String: SigningIdentity] = [:]
    let context: Context
    private var process: Process?
    private var stderrFile: URL { folder.appendingPathComponent("aggregator.log") }

    var storePath: String { folder.appendingPathComponent("store.sqlite").path }
    var keyringPath: String { folder.appendingPathComponent("keyring.txt").path }
    func endpoint(_ name: String) -> String { "ipc://\(folder.path)/\(name)" }
    var aggregatorEntry: Keyring.Entry {
        Keyring.Entry(submitter: "aggregator", publicKey: aggregatorIdentity.publicKey)
    }

    static func binary(_ name: String) -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent(name)
    }

    /// With CURVE: every identity has transport keys, and the aggregator runs with `--curve`.
    let curve: Bool

    static func identity(_ submitter: String, curve: Bool) throws -> SigningIdentity {
        guard curve else { return .generate(for: submitter) }
        let pair = try CurveKeyPair.generate()
        return .generate(for: submitter, transport: TransportKeys(publicKey: pair.publicKey, secretKey: pair.secretKey))
    }

    /// Keys for `submitters` (plus the operator), a keyring listing them and an optional roster.
    init(submitters: [String], roster: String? = nil, curve: Bool = false) throws {
        self.curve = curve
        folder = URL(fileURLWithPath: "/tmp/kaoping-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        context = try Context()
        aggregatorIdentity = try Self.identity("aggregator", curve: curve)
        operatorIdentity = try Self.identity("operator", curve: curve)
        try Data(KeyFile.render(aggregatorIdentity).utf8).write(to: folder.appendingPathComponent("aggregator.key"))
        var lines = [Keyring.line(for: operatorIdentity)]
        for submitter in submitters {
            let identity = try Self.identity(submitter, curve: curve)
            identities[submitter] = identity
            lines.append(Keyring.line(for: identity))
        }
        hasRoster = roster != nil
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: keyringPath))
        if let roster {
            try Data(roster.utf8).write(to: folder.appendingPathComponent("roster.csv"))
        }
    }

    private let hasRoster: Bool

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Adds a key to the keyring file (the aggregator sees it after a reload or restart).
    func addKey(for submitter: String) throws -> SigningIdentity {
        let identity = SigningIdentity.generate(for: submitter)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: keyringPath))
        handle.seekToEndOfFile()
        handle.write(Data((Keyring.line(for: identity) + "\n").utf8))
        try handle.close()
        identities[submitter] = identity
        return identity
    }

    /// Starts the aggregator and waits (up to 30 s) for its ready line; `modeOnCommandLine: false` leaves out
    /// `--curve`/`--no-curve`, for the daemon's own default.
    func start(environment: [String: String] = [:], modeOnCommandLine: Bool = true) throws {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.executableURL = Self.binary("kaoping-aggregator")
        var arguments = [
            "--store", storePath, "--keyring", keyringPath,
            "--identity", folder.appendingPathComponent("aggregator.key").path,
            "--ingest", endpoint("ingest"), "--feed", endpoint("feed"), "--snapshot", endpoint("snapshot"),
            "--control", endpoint("control"), "--log-level", "debug",
        ]
        if hasRoster { arguments += ["--roster", folder.appendingPathComponent("roster.csv").path] }
        if modeOnCommandLine { arguments.append(curve ? "--curve" : "--no-curve") }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        if !FileManager.default.fileExists(atPath: stderrFile.path) {
            _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: stderrFile)
        log.seekToEndOfFile()
        process.standardError = log
        let ready = DispatchSemaphore(value: 0)
        let seen = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            let text = seen.withLock { $0 += chunk; return $0 }
            if text.contains("ready") {
                handle.readabilityHandler = nil
                ready.signal()
            }
        }
        try process.run()
        self.process = process
        guard ready.wait(timeout: .now() + 30) == .success else {
            kill(process.processIdentifier, SIGKILL)
            throw HarnessError("the aggregator did not start within 30 s; log: \(self.log)")
        }
        readyLine.withLock { $0 = seen.withLock { $0 } }
    }

    /// Sends SIGTERM (graceful) or SIGKILL and waits for the process to end; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        self.signal(signal)
        return waitForExit()
    }

    /// Sends a signal without waiting.
    func signal(_ signal: Int32) {
        if let process { kill(process.processIdentifier, signal) }
    }

    /// Waits (up to 20 s) for the process to end after a signal; returns its exit status.
    func waitForExit() -> Int32 {
        guard let process else { return -1 }
        Self.ended(process, within: 20)
        self.process = nil
        return process.terminationStatus
    }

    /// Waits up to `seconds` for `process` to end. One still running then is killed (SIGKILL), and the answer is
    /// false: a test's process never outlives it.
    @discardableResult
    static func ended(_ process: Process, within seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }

    var processIdentifier: Int32? { process?.processIdentifier }

    var isRunning: Bool { process?.isRunning ?? false }

    var log: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// What the aggregator last printed on standard output up to its ready line.
    let readyLine = Mutex("")

    // MARK: Clients

    /// CURVE client options with `identity`'s transport keys (or none without CURVE).
    func curveClient(_ identity: SigningIdentity?) -> CurveClient? {
        guard curve, let identity, let transport = identity.transport, let server = aggregatorIdentity.transport else {
            return nil
        }
        return CurveClient(serverKey: server.publicKey, transport: transport)
    }

    /// An ingest client; with CURVE it connects with the first submitter's transport keys unless told otherwise.
    func ingestClient(connectingAs submitter: String? = nil) throws -> IngestClient {
        try IngestClient(
            endpoint: endpoint("ingest"), aggregatorKey: aggregatorEntry, campaign: "zhongshan-2023", context: context,
            curve: curveClient(identities[submitter ?? identities.keys.sorted().first ?? ""]))
    }

    func controlClient() throws -> ControlClient {
        try ControlClient(
            endpoint: endpoint("control"), campaign: "zhongshan-2023", aggregatorKey: aggregatorEntry, context: context,
            curve: curveClient(operatorIdentity))
    }

    func feedSubscriber() throws -> FeedSubscriber {
        try FeedSubscriber(
            feed: endpoint("feed"), snapshot: endpoint("snapshot"), campaign: "zhongshan-2023", context: context,
            curve: curveClient(operatorIdentity))
    }

    /// Seals `submission` with its submitter's key.
    func seal(_ submission: Submission, signedAt: Timestamp = 1_700_000_000_000) throws -> Data {
        try IngestClient.seal(submission, as: identities[submission.submitter]!, signedAt: signedAt)
    }

    /// A sample submission (``Sample/submission(_:_:_:submitter:id:worker:)``) sealed with `submitter`'s key.
    func sealed(_ indicator: String, _ district: String, _ score: String, by submitter: String) throws -> Data {
        try seal(Sample.submission(indicator, district, score, submitter: submitter))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Valid submissions of the built-in catalog.
enum Sample {
    static func submission(
        _ indicator: String, _ district: String, _ score: String, submitter: String, id: String = UUID().uuidString,
        worker: String = ""
    ) -> Submission {
        Submission(
            id: id, submitter: submitter, campaign: "zhongshan-2023", indicator: indicator, district: district,
            worker: worker, score: score, respondents: 30, keyRespondents: 10, participants: 45, note: "reason")
    }
}
