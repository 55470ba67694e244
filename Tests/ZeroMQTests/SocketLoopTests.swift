import Foundation
import Synchronization
import Testing
@testable import ZeroMQ

@Suite(.timeLimit(.minutes(1)))
struct SocketLoopTests {
    @Test func routerAndDealerExchangeMultipartMessagesThroughTheLoop() async throws {
        let context = try Context()
        let loop = try SocketLoop(context: context)
        let router = try await loop.open(.router, options: [.routerMandatory], bind: ["tcp://127.0.0.1:*"])
        #expect(router.endpoints.first?.hasPrefix("tcp://127.0.0.1:") == true)
        let dealer = try await loop.open(
            .dealer, options: [.routingID(Data("agent-1".utf8))], connect: router.endpoints)

        try await Task.sleep(for: .milliseconds(100))
        try await loop.send(Multipart([Data("hello".utf8), Data()]), on: dealer.handle)
        var routerIterator = router.incoming.makeAsyncIterator()
        let received = try #require(await routerIterator.next())
        #expect(received.frames == [Data("agent-1".utf8), Data("hello".utf8), Data()])

        try await loop.send(Multipart([Data("agent-1".utf8), Data("world".utf8)]), on: router.handle)
        var dealerIterator = dealer.incoming.makeAsyncIterator()
        #expect(try #require(await dealerIterator.next()).frames == [Data("world".utf8)])

        // ROUTER_MANDATORY: a reply to a peer that is not there fails with EHOSTUNREACH instead of vanishing.
        await #expect(throws: ZMQError.self) {
            try await loop.send(Multipart([Data("nobody".utf8), Data("x".utf8)]), on: router.handle)
        }
        do {
            try await loop.send(Multipart([Data("nobody".utf8), Data("x".utf8)]), on: router.handle)
        } catch let error as ZMQError {
            #expect(error.hostUnreachable)
            #expect(error.description.contains("errno \(EHOSTUNREACH)"))
        }
        await loop.stop()
        #expect(await routerIterator.next() == nil)
    }

    @Test func aBatchPostedAtOnceArrivesWholeAndInOrder() async throws {
        let loop = try SocketLoop(context: Context(), terminatesContext: true)
        let router = try await loop.open(.router, options: [.routerMandatory], bind: ["tcp://127.0.0.1:*"])
        let dealer = try await loop.open(
            .dealer, options: [.routingID(Data("agent-1".utf8))], connect: router.endpoints)
        try await loop.send(Multipart([Data("hello".utf8)]), on: dealer.handle)
        var routerIterator = router.incoming.makeAsyncIterator()
        _ = try #require(await routerIterator.next())

        let batch = (0..<300).map { Multipart([Data("agent-1".utf8), Data("\($0)".utf8)]) }
        loop.post(contentsOf: batch, on: router.handle)
        var dealerIterator = dealer.incoming.makeAsyncIterator()
        var received: [String] = []
        for _ in batch {
            received.append(String(decoding: try #require(await dealerIterator.next()).frames[0], as: UTF8.self))
        }
        #expect(received == (0..<300).map { "\($0)" })

        // Each message of a batch that libzmq refuses is counted, as a single post's would be.
        loop.post(contentsOf: [], on: router.handle)
        loop.post(contentsOf: (0..<3).map { _ in Multipart([Data("nobody".utf8), Data("x".utf8)]) }, on: router.handle)
        let deadline = ContinuousClock.now + .seconds(5)
        while loop.failedPosts < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(loop.failedPosts == 3)
        await loop.stop()
    }

    @Test func theLoopThreadCarriesItsNameForTheSystem() async throws {
        let loop = try SocketLoop(context: Context(), name: "named-loop-test", terminatesContext: true)
        // The loop has run once it answers an open.
        _ = try await loop.open(.pub, bind: ["inproc://named-loop-test"])
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        #expect(names.contains("named-loop-test\n"))
        await loop.stop()
    }

    @Test func aContextLetGoBeforeItsSocketDoesNotBlock() throws {
        // Dropping the last reference to a context terminates it, which waits for its sockets to close: the socket
        // must keep its context alive, or this (a CLI's locals released in any order) blocks for ever.
        let released = DispatchSemaphore(value: 0)
        let socket = Mutex<Socket?>(nil)
        Thread {
            var context: Context? = try? Context()
            socket.withLock { $0 = try? Socket(context: context!, type: .dealer) }
            context = nil
            released.signal()
        }.start()
        #expect(released.wait(timeout: .now() + 5) == .success, "releasing the context blocked")
        socket.withLock { $0?.close(linger: 0) }
    }

    @Test func immediateDealerWithoutPeerRefusesAtOnce() async throws {
        let context = try Context()
        let loop = try SocketLoop(context: context)
        let dealer = try await loop.open(.dealer, options: [.immediate], connect: ["tcp://127.0.0.1:1"])
        do {
            try await loop.send(Multipart([Data("x".utf8)]), on: dealer.handle)
            Issue.record("a send with no connected peer was queued")
        } catch let error as ZMQError {
            #expect(error.wouldBlock)
        }
        await loop.stop()
    }

    @Test func bindErrorsNameTheEndpointAndErrno() async throws {
        let context = try Context()
        let loop = try SocketLoop(context: context)
        let first = try await loop.open(.router, bind: ["tcp://127.0.0.1:*"])
        do {
            _ = try await loop.open(.router, bind: first.endpoints)
            Issue.record("bound the same port twice")
        } catch let error as ZMQError {
            #expect(error.operation == "zmq_bind")
            #expect(error.errno == EADDRINUSE)
            #expect(error.description.contains(first.endpoints[0]))
        }
        await loop.stop()
        // After stop, nothing more is accepted.
        await #expect(throws: ZMQError.self) { _ = try await loop.open(.pub) }
    }

    @Test func publisherFansOutToSubscribers() async throws {
        let context = try Context()
        let loop = try SocketLoop(context: context)
        let pub = try await loop.open(.pub, bind: ["inproc://feed"])
        let sub = try await loop.open(.sub, options: [.subscribe(Data("ranking".utf8))], connect: ["inproc://feed"])
        try await Task.sleep(for: .milliseconds(100))
        for index in 0..<3 {
            loop.post(Multipart([Data("ranking".utf8), Data([UInt8(index)])]), on: pub.handle)
            loop.post(Multipart([Data("other".utf8), Data()]), on: pub.handle)
        }
        var iterator = sub.incoming.makeAsyncIterator()
        for index in 0..<3 {
            #expect(try #require(await iterator.next()).frames[1] == Data([UInt8(index)]))
        }
        await loop.stop()
    }

    @Test func oversizedMessagesAreRefusedByMaxMessageSize() async throws {
        let context = try Context()
        let loop = try SocketLoop(context: context)
        let router = try await loop.open(.router, options: [.maxMessageSize(1_000)], bind: ["tcp://127.0.0.1:*"])
        let big = try Socket(context: context, type: .dealer)
        try big.connect(router.endpoints[0])
        try big.send(Multipart([Data(repeating: 1, count: 5_000)]), timeout: 2_000)
        let small = try Socket(context: context, type: .dealer)
        try small.connect(router.endpoints[0])
        try small.send(Multipart([Data("ok".utf8)]), timeout: 2_000)
        var iterator = router.incoming.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.frames.last == Data("ok".utf8))
        big.close(linger: 0)
        small.close(linger: 0)
        await loop.stop()
    }
}
