import Foundation
import Synchronization
import Testing
@testable import ZeroMQ

/// The blocking calls of a plain `Socket` (clients, tests and the benchmark's senders).
@Suite(.timeLimit(.minutes(1)))
struct SocketTests {
    /// A DEALER with `immediate` queues nothing until a peer is connected: a timed send waits for one.
    private func immediateDealer(_ context: Context, to endpoint: String) throws -> Socket {
        let dealer = try Socket(context: context, type: .dealer)
        try dealer.set(.immediate)
        try dealer.connect(endpoint)
        return dealer
    }

    private func endpoint() -> String {
        "ipc://" + FileManager.default.temporaryDirectory.appendingPathComponent("kaoping-zmq-\(UUID()).sock").path
    }

    @Test func aTimedSendWithNoPeerWaitsItsTimeoutThenRefuses() throws {
        let context = try Context()
        let dealer = try immediateDealer(context, to: endpoint())
        defer { dealer.close(linger: 0) }
        let start = DispatchTime.now()
        #expect {
            try dealer.send(Multipart([Data("x".utf8)]), timeout: 300)
        } throws: { ($0 as? ZMQError)?.wouldBlock == true }
        let waited = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        #expect(waited >= 250, "refused after \(waited) ms instead of waiting for a peer")
    }

    @Test func aTimedSendGoesOutOnceAPeerArrivesWithinItsTimeout() throws {
        let context = try Context()
        let address = endpoint()
        // libzmq may leave the socket file behind when the process ends first: each run would add one to /tmp.
        defer { try? FileManager.default.removeItem(atPath: String(address.dropFirst("ipc://".count))) }
        let dealer = try immediateDealer(context, to: address)
        defer { dealer.close(linger: 0) }
        // The peer binds a moment later on a thread of its own, and reads what arrives.
        let received = Mutex<Data?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            Thread.sleep(forTimeInterval: 0.2)
            guard let router = try? Socket(context: context, type: .router) else { return }
            defer { router.close(linger: 0) }
            guard (try? router.bind(address)) != nil else { return }
            let message = try? router.receive(timeout: 5_000)
            received.withLock { $0 = message?.frames.last }
        }.start()
        try dealer.send(Multipart([Data("late".utf8)]), timeout: 5_000)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(received.withLock { $0 } == Data("late".utf8))
    }

    @Test func aTimedSendToAConnectedPeerKeepsEveryMessageInOrder() throws {
        let context = try Context()
        let router = try Socket(context: context, type: .router)
        defer { router.close(linger: 0) }
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try immediateDealer(context, to: router.lastEndpoint)
        defer { dealer.close(linger: 0) }
        for index in 0..<500 { try dealer.send(Multipart([Data("\(index)".utf8)]), timeout: 5_000) }
        for index in 0..<500 {
            let message = try #require(try router.receive(timeout: 5_000))
            #expect(message.frames.last == Data("\(index)".utf8))
        }
    }
}
