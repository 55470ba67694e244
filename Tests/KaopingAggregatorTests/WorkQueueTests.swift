import Foundation
import Synchronization
import Testing
import ZeroMQ
@testable import KaopingAggregator

@Suite struct WorkQueueTests {
    private static func work(_ number: Int) -> Work {
        .control(RoutedRequest(Multipart([Data("peer".utf8), Data("\(number)".utf8)]))!)
    }

    private static func number(_ work: Work) -> Int {
        guard case .control(let request, _) = work else { return -1 }
        return Int(String(decoding: request.body, as: UTF8.self)) ?? -1
    }

    @Test func workIsTakenInOrderInBatchesAndWhatHasNoRoomIsCounted() async throws {
        let queue = WorkQueue(capacity: 10)
        #expect(queue.enqueue((0..<12).map(Self.work)) == 10)
        #expect(queue.dropped.load(ordering: .relaxed) == 2)
        let recorder = Recorder()
        let consumer = Task {
            await queue.drain(maximum: 4) { batch in
                let first = recorder.batches.withLock { batches in
                    batches.append(batch.map(Self.number))
                    return batches.count == 1
                }
                // Queued while a batch is decided, to a queue that still holds work: taken without a new signal.
                if first { queue.enqueue([Self.work(20), Self.work(21)]) }
            }
        }
        func waitFor(_ number: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(5)
            while !recorder.batches.withLock({ $0.joined().contains(number) }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        try await waitFor(21)
        // The queue is empty and the keeper waits: new work must wake it.
        try await Task.sleep(for: .milliseconds(50))
        queue.enqueue([Self.work(30)])
        try await waitFor(30)
        #expect(recorder.batches.withLock { $0 } == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 20, 21], [30]])

        queue.finish()
        await consumer.value
        #expect(queue.enqueue([Self.work(40)]) == 0)
        #expect(queue.dropped.load(ordering: .relaxed) == 3)
    }
}

private final class Recorder: Sendable {
    let batches = Mutex<[[Int]]>([])
}
