import Dispatch
import Foundation
import StreamKit
import Testing

import StreamdCore
import StreamdHTTP

/// Blocking calls on a queue of their own: the caller can stop waiting, and whatever the call
/// produced afterwards is handed to `abandoned`.
@Suite struct BlockingQueueTests {
    @Test func theJobRunsOutsideAnyTaskAndItsResultComesBack() async throws {
        let queue = BlockingQueue(label: "test.blocking")
        let inTask = try await queue.run { withUnsafeCurrentTask { $0 != nil } }
        #expect(!inTask, "a blocking job must not run in a Swift task (the cooperative pool)")
        #expect(try await queue.run { 42 } == 42)
    }

    @Test func aCallerThatStopsWaitingGetsCancellationAndTheResultGoesToAbandoned() async throws {
        let queue = BlockingQueue(label: "test.blocking")
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let abandoned = Locked<[Int]>([])
        let cleaned = DispatchSemaphore(value: 0)
        let waiting = Task {
            try await queue.run({
                started.signal()
                release.wait()  // a system call that does not return (on the queue's own thread)
                return 7
            }, abandoned: { value in
                abandoned.withLock { $0.append(value) }
                cleaned.signal()
            })
        }
        await Self.wait(started)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(abandoned.value.isEmpty, "the job is still running")
        release.signal()
        await Self.wait(cleaned)
        #expect(abandoned.value == [7])
    }

    @Test func aJobWhoseCallerGaveUpBeforeItStartedNeverRuns() async throws {
        let queue = BlockingQueue(label: "test.blocking")
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let ran = Locked(false)
        let first = Task { try await queue.run { started.signal(); release.wait() } }
        await Self.wait(started)
        let second = Task { try await queue.run { ran.withLock { $0 = true } } }
        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        release.signal()
        try await first.value
        try await queue.run {}  // every job queued before this one has run or been skipped
        #expect(!ran.value)
    }

    /// Waits for a semaphore without holding a thread of the cooperative pool.
    static func wait(_ semaphore: DispatchSemaphore) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                semaphore.wait()
                continuation.resume()
            }
        }
    }
}
