import Foundation
import KaopingClient
import KaopingWire
import Synchronization
import Testing
import ZeroMQ

/// Floods of garbage and oversized frames, and a subscriber that never reads, neither stop ingest nor grow the
/// aggregator's memory without bound.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LoadTests {
    static func residentKilobytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    @Test func garbageFloodsAndASubscriberThatNeverReadsDoNotStopIngest() throws {
        let harness = try AggregatorHarness(submitters: ["party_office"])
        try harness.start()
        let pid = try #require(harness.processIdentifier)
        let before = Self.residentKilobytes(pid)

        // A subscriber that never reads.
        let lazy = try Socket(context: harness.context, type: .sub)
        try lazy.set(.receiveHighWaterMark(1))
        try lazy.set(.subscribe(Data()))
        try lazy.connect(harness.endpoint("feed"))
        defer { lazy.close(linger: 0) }

        // Flooders: random garbage, malformed framing, oversized frames (libzmq drops those connections).
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        var threads: [Thread] = []
        for kind in 0..<3 {
            let thread = Thread {
                guard let socket = try? Socket(context: harness.context, type: .dealer) else { return }
                try? socket.set(.linger(0))
                try? socket.set(.sendHighWaterMark(100_000))
                try? socket.connect(harness.endpoint("ingest"))
                var generator = SystemRandomNumberGenerator()
                while !stop.load(ordering: .relaxed) {
                    let frames: [Data]
                    switch kind {
                    case 0: frames = [Data((0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) })]
                    case 1: frames = [Data(), Data("x".utf8), Data("y".utf8), Data("z".utf8), Data("w".utf8)]
                    default: frames = [Data(repeating: 0x42, count: 100_000)]
                    }
                    if (try? socket.send(Multipart(frames))) != nil { sent.add(1, ordering: .relaxed) }
                }
                socket.close(linger: 0)
            }
            thread.start()
            threads.append(thread)
        }
        defer { stop.store(true, ordering: .relaxed) }

        // Meanwhile a department delivers its scores.
        let client = try harness.ingestClient()
        var accepted = 0
        let started = Date()
        for number in 1...22 {
            let district = number < 10 ? "D0\(number)" : "D\(number)"
            let submission = Sample.submission("party_building", district, "10", submitter: "party_office")
            if let receipt = try client.deliver(try harness.seal(submission), timeout: 10_000),
                receipt.receipt.status == .accepted
            {
                accepted += 1
            }
        }
        let duringFlood = Date().timeIntervalSince(started)
        Thread.sleep(forTimeInterval: 1)
        stop.store(true, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.5)
        let after = Self.residentKilobytes(pid)
        print("load: \(sent.load(ordering: .relaxed)) flood messages; 22 submissions accepted in "
            + "\(String(format: "%.2f", duringFlood)) s; RSS \(before / 1024) MB → \(after / 1024) MB")
        #expect(accepted == 22)
        #expect(sent.load(ordering: .relaxed) > 1_000)
        #expect(harness.isRunning)
        // Bounded by the high-water marks and the work queue, not by the size of the flood.
        #expect(after - before < 200 * 1024, "RSS grew from \(before) kB to \(after) kB")
        harness.stop()
    }
}
