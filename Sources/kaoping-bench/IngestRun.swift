@preconcurrency import Crypto
import Foundation
import Histogram
import KaopingCore
import KaopingWire
import Synchronization
import ZeroMQ

/// A value shared between the benchmark's threads behind a lock.
final class Shared<Value: Sendable>: Sendable {
    let lock: Mutex<Value>
    init(_ value: Value) { lock = Mutex(value) }
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { lock.withLock { body(&$0) } }
}

/// A socket used by exactly one thread of the benchmark.
struct OwnedSocket: @unchecked Sendable {
    let socket: Socket
}

extension Catalog {
    /// The built-in method at city scale: `districts` districts C00001, C00002, …
    static func city(districts: Int) -> Catalog {
        let base = Catalog.zhongshan2023
        return Catalog(
            campaign: "city-2023", title: "city scale benchmark",
            districts: (1...districts).map {
                District(id: String(format: "C%05d", $0), name: String(format: "C%05d", $0))
            },
            submitters: base.submitters, operators: base.operators, indicators: base.indicators, hotline: base.hotline,
            districtGrades: base.districtGrades, workerRules: base.workerRules)
    }
}

/// A city-scale campaign: a catalog of N districts, a roster, keys, and every expected submission signed.
struct CityCampaign: @unchecked Sendable {
    let folder: URL
    let aggregatorKeyPath: String
    let catalogPath: String
    let rosterPath: String
    let keyringPath: String
    /// Signed envelopes, in a realistic order: departments interleaved.
    let envelopes: [Data]
    /// Each envelope's SHA-256 (which its receipt names) cut to 8 bytes: how a sender finds a receipt's send time
    /// without hashing during the run.
    let receiptKeys: [UInt64]

    init(districts: Int, workersPerDistrict: Int) throws {
        folder = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("kaoping-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let catalog = Catalog.city(districts: districts)
        let ids = catalog.districts.map(\.id)
        let base = Catalog.zhongshan2023
        catalogPath = folder.appendingPathComponent("catalog.yaml").path
        try CatalogFile.render(catalog).write(toFile: catalogPath, atomically: true, encoding: .utf8)
        var roster = "id,name,district\n"
        var workers: [(id: String, district: String)] = []
        for district in ids {
            for index in 0..<workersPerDistrict {
                let worker = "W\(district)-\(index)"
                workers.append((worker, district))
                roster += "\(worker),\(worker),\(district)\n"
            }
        }
        rosterPath = folder.appendingPathComponent("roster.csv").path
        try roster.write(toFile: rosterPath, atomically: true, encoding: .utf8)

        let aggregator = SigningIdentity.generate(for: "aggregator")
        aggregatorKeyPath = folder.appendingPathComponent("aggregator.key").path
        try KeyFile.render(aggregator).write(toFile: aggregatorKeyPath, atomically: true, encoding: .utf8)
        var keys: [String: SigningIdentity] = [:]
        for submitter in base.submitters.map(\.id) + ids.map({ SubmitterReference.leaderID(of: $0) }) {
            keys[submitter] = .generate(for: submitter)
        }
        keyringPath = folder.appendingPathComponent("keyring.txt").path
        try keys.values.map(Keyring.line(for:)).joined(separator: "\n")
            .write(toFile: keyringPath, atomically: true, encoding: .utf8)

        let submissions = Self.submissions(catalog: catalog, workers: workers)
        // Sign in parallel: one slice per core.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let sliceSize = (submissions.count + cores - 1) / cores
        let slices = stride(from: 0, to: submissions.count, by: sliceSize).map {
            Array(submissions[$0..<min(submissions.count, $0 + sliceSize)])
        }
        let signed = Shared<[Int: [Data]]>([:])
        let signers = keys
        DispatchQueue.concurrentPerform(iterations: slices.count) { slice in
            let envelopes = slices[slice].map { submission in
                try! SignedEnvelope.seal(
                    submission.wire(signedAt: 1_700_000_000_000), type: .submission, campaign: catalog.campaign,
                    by: signers[submission.submitter]!)
            }
            signed.withLock { $0[slice] = envelopes }
        }
        envelopes = signed.withLock { parts in (0..<slices.count).flatMap { parts[$0]! } }
        receiptKeys = envelopes.map { Self.receiptKey($0.sha256) }
    }

    /// The campaign's submissions, in a realistic order (shuffled: departments interleaved): every district
    /// indicator and hotline month of every district, and both worker components of every worker.
    static func submissions(catalog: Catalog, workers: [(id: String, district: String)]) -> [Submission] {
        var submissions: [Submission] = []
        var counter = 0
        func add(_ indicator: String, _ district: String, score: String = "", worker: String = "", period: String = "",
                 hotline: [String: String] = [:]) {
            counter += 1
            let owner = catalog.indicator(indicator)!.owner(district: district)
            submissions.append(Submission(
                id: "b\(counter)", submitter: owner, campaign: catalog.campaign, indicator: indicator,
                district: district, worker: worker, period: period, score: score, respondents: 30, keyRespondents: 10,
                participants: 45, note: "reason", hotline: hotline))
        }
        for (index, district) in catalog.districts.map(\.id).enumerated() {
            for indicator in catalog.districtIndicators where indicator.scope == .district {
                add(indicator.id, district, score: "\(index % 5).\(index % 100)")
            }
            for (month, period) in catalog.hotline.periods.enumerated() {
                // Rates as a city's hotline reports them: 70.00 to 99.99, two decimals, varied by district, month and
                // metric, so that each month ranks the districts anew and ties at the bottom are as rare as in life.
                let rates = catalog.hotline.metrics.enumerated().map { metric, rule in
                    let hundredths = 7_000 + (index &* 7_919 &+ month &* 104_729 &+ metric &* 1_299_709) % 3_000
                    return (rule.id, "\(ExactDecimal(units: Int64(hundredths) * ExactDecimal.scale / 100))")
                }
                add("hotline", district, period: period, hotline: Dictionary(uniqueKeysWithValues: rates))
            }
        }
        for (worker, district) in workers {
            add("worker_leader_review", district, score: "88", worker: worker)
            add("worker_democratic_review", district, score: "77", worker: worker)
        }
        var generator = SystemRandomNumberGenerator()
        submissions.shuffle(using: &generator)
        return submissions
    }

    /// The first 8 bytes of an envelope hash.
    static func receiptKey(_ hash: some Collection<UInt8>) -> UInt64 {
        hash.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// One run of the real aggregator under load.
struct IngestRun {
    var receiptsPerSecond = 0.0
    var fullLoad = Percentiles()
    var halfLoad = Percentiles()
    var feed = Percentiles()
    var peakRSSMegabytes = 0.0
    var storeMegabytes = 0.0
    var restartSeconds = 0.0
    /// The restarted aggregator's peak RSS once its state is rebuilt from the store.
    var restartPeakRSSMegabytes = 0.0
    /// Cores busy during the full-load phase: the aggregator's, and the load generator's (this process).
    var aggregatorCores = 0.0
    var loadGeneratorCores = 0.0
    /// The aggregator's CPU time per durable receipt at full load, in microseconds (all its threads).
    var aggregatorMicrosecondsPerReceipt: Double { aggregatorCores * 1e6 / receiptsPerSecond }
    /// The half-load phase: receipts per second, and the cores the aggregator and the load generator kept busy.
    var halfLoadRate = 0.0
    var halfLoadAggregatorCores = 0.0
    var halfLoadGeneratorCores = 0.0

    static func measure(campaign: CityCampaign, options: Bench.Options) async throws -> IngestRun {
        let folder = campaign.folder.appendingPathComponent("run-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = folder.appendingPathComponent("store.sqlite").path
        var aggregator = try Aggregator(options: options, campaign: campaign, store: store)
        defer { aggregator.kill() }
        let context = try Context()
        var run = IngestRun()

        // The feed's updates as they arrive (ledger position, time); compared with the receipts' arrival times
        // once the run is over, so that no lock is shared during it.
        let total = campaign.envelopes.count
        let updates = Shared<[(position: Int, at: UInt64)]>([])
        let feedDone = Atomic<Bool>(false)
        let lastSeenPosition = Atomic<Int>(0)
        let feedStopped = DispatchSemaphore(value: 0)
        let feedEndpoint = aggregator.endpoints["feed"]!
        let feedThread = Thread {
            guard let sub = try? Socket(context: context, type: .sub) else { return }
            try? sub.set(.subscribe(Data("update".utf8)))
            try? sub.connect(feedEndpoint)
            var seen: [(position: Int, at: UInt64)] = []
            while !feedDone.load(ordering: .relaxed) {
                guard let message = try? sub.receive(timeout: 200), message.frames.count == 3 else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                let position = ledgerPosition(in: message.frames[2])
                lastSeenPosition.store(position, ordering: .relaxed)
                seen.append((position, now))
            }
            updates.withLock { $0 = seen }
            sub.close(linger: 0)
            feedStopped.signal()
        }
        feedThread.start()
        usleep(300_000)

        let fullCount = total * 2 / 3
        let (aggregatorBefore, ownBefore) = (aggregator.cpuSeconds, Bench.processCPUSeconds)
        let started = DispatchTime.now()
        let (rate, full, fullRefused, fullArrivals) = try deliver(
            campaign, 0..<fullCount, context: context, endpoint: aggregator.endpoints["ingest"]!,
            senders: options.senders, window: options.window, batch: options.batch, interval: nil)
        let elapsed = Bench.seconds(since: started)
        run.aggregatorCores = (aggregator.cpuSeconds - aggregatorBefore) / elapsed
        run.loadGeneratorCores = (Bench.processCPUSeconds - ownBefore) / elapsed
        run.receiptsPerSecond = rate
        run.fullLoad = Percentiles(full)
        let perSenderInterval = Double(options.senders) / (options.halfRate.map(Double.init) ?? rate / 2)
        let (halfAggregatorBefore, halfOwnBefore) = (aggregator.cpuSeconds, Bench.processCPUSeconds)
        let halfStarted = DispatchTime.now()
        let (halfRate, half, halfRefused, halfArrivals) = try deliver(
            campaign, fullCount..<total, context: context, endpoint: aggregator.endpoints["ingest"]!,
            senders: options.senders, window: options.window, batch: 1, interval: perSenderInterval)
        let halfElapsed = Bench.seconds(since: halfStarted)
        run.halfLoad = Percentiles(half)
        run.halfLoadRate = halfRate
        run.halfLoadAggregatorCores = (aggregator.cpuSeconds - halfAggregatorBefore) / halfElapsed
        run.halfLoadGeneratorCores = (Bench.processCPUSeconds - halfOwnBefore) / halfElapsed
        // Figures of a load the aggregator refused would not be those of a city's ingest.
        let refused = fullRefused + halfRefused
        guard refused.count == 0 else {
            throw Bench.Failure(
                "the aggregator did not accept \(refused.count) of the \(total) submissions (first: "
                    + "\(refused.first ?? "")); the campaign the benchmark built is wrong")
        }
        let deadline = Date().addingTimeInterval(30)
        while lastSeenPosition.load(ordering: .relaxed) < total, Date() < deadline { usleep(50_000) }
        feedDone.store(true, ordering: .relaxed)
        feedStopped.wait()
        run.feed = Percentiles(feedLatency(updates: updates.withLock { $0 }, receipts: fullArrivals + halfArrivals))
        run.peakRSSMegabytes = Double(aggregator.peakResidentKilobytes) / 1024
        run.storeMegabytes = Double(
            ["", "-wal", "-shm"].compactMap {
                (try? FileManager.default.attributesOfItem(atPath: store + $0))?[.size] as? Int
            }.reduce(0, +)) / 1_048_576
        aggregator.terminate()
        let start = DispatchTime.now()
        aggregator = try Aggregator(options: options, campaign: campaign, store: store)
        run.restartSeconds = Bench.seconds(since: start)
        run.restartPeakRSSMegabytes = Double(aggregator.peakResidentKilobytes) / 1024
        aggregator.terminate()
        return run
    }

    /// How long a sender waits for a receipt, with submissions in flight, before the run is given up.
    static let stallSeconds = 60.0

    /// Sends the campaign's envelopes in `range` over `senders` DEALERs with at most `window` in flight each;
    /// returns receipts per second, the receipt latency histogram (µs), the refusals, and when each receipt arrived
    /// (ledger position, time). Unpaced (`interval` nil), each sender has a thread of its own and sends batches of up
    /// to `batch` envelopes a message as fast as receipts come back. Paced, each sender sends one envelope a message
    /// every `interval` seconds on its own schedule, and one thread drives them all, waking when a send is due
    /// (within a millisecond) or a receipt arrives: a thread per sender woke for each send and each receipt, and took
    /// a third of a core at the half load, beside the aggregator on the same two cores. Each sender keeps its own
    /// figures until it is done: a lock shared by the senders, and a hash per send, cost the load generator a sixth
    /// of its CPU.
    static func deliver(
        _ campaign: CityCampaign, _ range: Range<Int>, context: Context, endpoint: String, senders: Int, window: Int,
        batch: Int, interval: Double?
    ) throws -> (Double, Histogram<UInt64>, Refusals, [(position: Int, at: UInt64)]) {
        let start = DispatchTime.now()
        let shares = (0..<senders).map { Array(stride(from: range.lowerBound + $0, to: range.upperBound, by: senders)) }
        let connect: @Sendable () -> Socket? = {
            guard let dealer = try? Socket(context: context, type: .dealer) else { return nil }
            try? dealer.set(.receiveHighWaterMark(0))
            try? dealer.connect(endpoint)
            return dealer
        }
        let finished = Shared<[Sender.Figures]>([])
        if let interval {
            let paced: @Sendable () -> Void = {
                var all = shares.compactMap { share in
                    connect().map {
                        Sender(
                            dealer: $0, campaign: campaign, mine: share, window: window, batch: 1,
                            interval: UInt64(interval * 1e9))
                    }
                }
                while all.contains(where: { !$0.done }) {
                    let now = DispatchTime.now().uptimeNanoseconds
                    for index in all.indices where !all[index].done {
                        all[index].sendDue(now: now)
                        while let message = try? all[index].dealer.receive() {
                            all[index].take(message, arrived: DispatchTime.now().uptimeNanoseconds)
                        }
                    }
                    if all.contains(where: \.figures.failed) { break }
                    let waiting = DispatchTime.now().uptimeNanoseconds
                    let due = all.compactMap { $0.done ? nil : $0.nextDue }.min().map { max($0, waiting) - waiting }
                    let timeout = due.map { Int32(($0 + 999_999) / 1_000_000) } ?? 5
                    _ = try? Socket.waitForMessage(on: all.filter { !$0.done }.map(\.dealer), timeout: timeout)
                }
                finished.withLock { $0 += all.map(\.figures) }
                for sender in all { sender.dealer.close(linger: 0) }
            }
            runToEnd([paced])
        } else {
            runToEnd(
                shares.map { share in
                    {
                        guard let dealer = connect() else { return }
                        var sender = Sender(
                            dealer: dealer, campaign: campaign, mine: share, window: window, batch: batch,
                            interval: nil)
                        while !sender.done {
                            sender.sendDue(now: DispatchTime.now().uptimeNanoseconds)
                            if let message = try? dealer.receive(timeout: 2_000) {
                                sender.take(message, arrived: DispatchTime.now().uptimeNanoseconds)
                            }
                        }
                        finished.withLock { $0.append(sender.figures) }
                        dealer.close(linger: 0)
                    }
                })
        }
        let rate = Double(range.count) / Bench.seconds(since: start)
        var all = Sender.Figures()
        for part in finished.withLock({ $0 }) {
            if part.stalled {
                throw Bench.Failure(
                    "the aggregator sent no receipt for \(Int(stallSeconds)) s with submissions in flight; its "
                        + "figures would mean nothing (is it still running?)")
            }
            if let misread = part.misread {
                throw Bench.Failure(
                    "the load generator read a receipt otherwise than SwiftProtobuf does: "
                        + misread.map { String(format: "%02x", $0) }.joined())
            }
            all.latency.add(part.latency)
            all.refusals = all.refusals + part.refusals
            all.arrivals += part.arrivals
        }
        return (rate, all.latency, all.refusals, all.arrivals)
    }

    /// Runs each of `bodies` on a thread of its own and waits until all have ended.
    private static func runToEnd(_ bodies: [@Sendable () -> Void]) {
        let group = DispatchGroup()
        for body in bodies {
            group.enter()
            Thread {
                body()
                group.leave()
            }.start()
        }
        group.wait()
    }

    /// One DEALER of the load generator and its share of the campaign: what it sent when, and what came back.
    private struct Sender {
        struct Figures {
            var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000)
            var refusals = Refusals()
            var arrivals: [(position: Int, at: UInt64)] = []
            /// A receipt among the sender's first that ``ReceiptFields`` read otherwise than SwiftProtobuf.
            var misread: Data?
            /// The aggregator stopped answering this sender (no receipt for ``IngestRun/stallSeconds``).
            var stalled = false

            var failed: Bool { stalled || misread != nil }
        }

        let dealer: Socket
        let campaign: CityCampaign
        /// The campaign's envelopes this sender sends, by index.
        let mine: [Int]
        let window: Int
        let batch: Int
        /// Paced: the nanoseconds from one send to the next, and when the next is due (uptime).
        let interval: UInt64?
        private var nextSend: UInt64
        private var sentAt: [UInt64: UInt64] = [:]
        private var next = 0
        private var received = 0
        private var lastReceipt: UInt64
        private(set) var figures = Figures()

        init(dealer: Socket, campaign: CityCampaign, mine: [Int], window: Int, batch: Int, interval: UInt64?) {
            (self.dealer, self.campaign, self.mine, self.window, self.batch, self.interval) =
                (dealer, campaign, mine, window, batch, interval)
            nextSend = DispatchTime.now().uptimeNanoseconds
            lastReceipt = nextSend
            sentAt.reserveCapacity(window)
            figures.arrivals.reserveCapacity(mine.count)
        }

        var done: Bool { received == mine.count || figures.failed }

        /// When the next send is due (uptime), while there is one the window allows.
        var nextDue: UInt64? { next < mine.count && next - received < window ? nextSend : nil }

        /// Sends what the window, and the pacing, allow at `now`; gives up when the aggregator has sent no receipt
        /// for ``IngestRun/stallSeconds`` with submissions in flight.
        mutating func sendDue(now: UInt64) {
            if next > received, now > lastReceipt + UInt64(stallSeconds * 1e9) {
                figures.stalled = true
                return
            }
            while next < mine.count, next - received < window, interval == nil || now >= nextSend {
                let members = next..<min(next + batch, mine.count, received + window)
                let stamp = DispatchTime.now().uptimeNanoseconds
                if next == received { lastReceipt = stamp }  // nothing was in flight: the wait starts now
                for index in members { sentAt[campaign.receiptKeys[mine[index]]] = stamp }
                let body =
                    batch == 1
                    ? campaign.envelopes[mine[next]]
                    : EnvelopeBatch.pack(members.map { campaign.envelopes[mine[$0]] })
                guard (try? dealer.send(Multipart([body]), timeout: 1_000)) != nil else { break }
                next = members.upperBound
                if let interval { nextSend += interval }
            }
        }

        /// Notes the receipts of `message`, which arrived at `arrived` (uptime).
        mutating func take(_ message: Multipart, arrived: UInt64) {
            guard let body = message.frames.last else { return }
            let receipts = ReceiptFields.all(body)
            if received < 16, receipts != ReceiptFields.all(decoding: body) {
                figures.misread = body
                return
            }
            lastReceipt = arrived
            for receipt in receipts ?? [] {
                guard let sent = sentAt.removeValue(forKey: receipt.key) else { continue }
                figures.latency.record((arrived - sent) / 1000)
                if receipt.status != .accepted { figures.refusals.add("\(receipt.status): \(receipt.reason)") }
                figures.arrivals.append((Int(receipt.ledgerPosition), arrived))
                received += 1
            }
        }
    }

    /// Feed latency (µs): for each update, the time from the arrival of the receipt of the last submission it
    /// includes (its ledger position) to the update's own arrival; updates that came before that receipt are left
    /// out.
    static func feedLatency(
        updates: [(position: Int, at: UInt64)], receipts: [(position: Int, at: UInt64)]
    ) -> Histogram<UInt64> {
        var arrival: [Int: UInt64] = [:]
        for receipt in receipts { arrival[receipt.position] = receipt.at }
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000)
        for update in updates {
            if let receipt = arrival[update.position], update.at > receipt {
                latency.record((update.at - receipt) / 1000)
            }
        }
        return latency
    }

    /// Receipts that did not say `accepted`: how many, and the first one's words.
    struct Refusals {
        private(set) var count = 0
        private(set) var first: String?

        mutating func add(_ reason: String) {
            count += 1
            if first == nil { first = reason }
        }

        static func + (left: Refusals, right: Refusals) -> Refusals {
            Refusals(count: left.count + right.count, first: left.first ?? right.first)
        }
    }

    /// Field 3 (`ledger_position`, a varint) of a serialized Ranking, without decoding the whole ranking.
    static func ledgerPosition(in body: Data) -> Int {
        var index = body.startIndex
        func varint() -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < body.endIndex {
                let byte = body[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            return value
        }
        while index < body.endIndex {
            let key = varint()
            switch (key >> 3, key & 7) {
            case (3, 0): return Int(varint())
            case (_, 0): _ = varint()
            case (_, 2): index += Int(varint())
            case (_, 1): index += 8
            case (_, 5): index += 4
            default: return 0
            }
        }
        return 0
    }
}

/// The aggregator process under test.
struct Aggregator {
    let process: Process
    var endpoints: [String: String] = [:]

    init(options: Bench.Options, campaign: CityCampaign, store: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: options.bin).appendingPathComponent("kaoping-aggregator")
        process.arguments = [
            "--store", store, "--keyring", campaign.keyringPath, "--identity", campaign.aggregatorKeyPath,
            "--catalog", campaign.catalogPath, "--roster", campaign.rosterPath, "--ingest", "tcp://127.0.0.1:*",
            "--feed", "tcp://127.0.0.1:*", "--snapshot", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
            "--log-level", "warning", "--no-curve",
        ]
        for word in try process.runUntilReady("the aggregator").split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                endpoints[String(parts[0])] = String(parts[1]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
    }

    var peakResidentKilobytes: Int { process.peakResidentKilobytes }

    /// User and system CPU time used so far (from /proc).
    var cpuSeconds: Double {
        let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        // Fields after the command name (which may hold spaces, within parentheses): utime and stime are 14 and 15.
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

extension Process {
    /// Starts the process and returns the first line it prints (a daemon's ready line); `what` names it in the
    /// failure when it ends first.
    func runUntilReady(_ what: String) throws -> String {
        let output = Pipe()
        standardOutput = output
        try run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw Bench.Failure("\(what) did not start (see its words above)") }
            line.append(chunk)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Its peak resident set size (`VmHWM`), in kilobytes.
    var peakResidentKilobytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
