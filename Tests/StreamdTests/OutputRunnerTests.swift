import OrderedCollections
import StreamKit
import StreamKitTesting
import Synchronization
import Testing

import StreamdCore
import StreamdHTTP

/// The output runner with an output that cannot be opened or written: a drain with nothing
/// queued does not wait for it, and a run cancelled by a stop that gave up counts every event it
/// did not write. Nothing here waits on real time: the sink waits on a manual clock nobody moves.
@Suite(.timeLimit(.minutes(1))) struct OutputRunnerTests {
    @Test func aDrainWithNothingQueuedDoesNotWaitForTheOutputToOpen() async {
        let clock = ManualClock()
        let sink = StuckSink(clock)
        let runner = OutputRunner(sink: sink)
        let running = Task { await runner.run() }
        await clock.waitForSleepers()  // the background open, which never succeeds
        runner.queue.close()
        await running.value
        #expect(sink.closed.value)
        #expect(runner.counters.undelivered.load(ordering: .relaxed) == 0)
    }

    @Test func aCancelledRunCountsWhatItDidNotWrite() async throws {
        let clock = ManualClock()
        let sink = StuckSink(clock)
        let runner = OutputRunner(sink: sink)
        for size in [2, 3, 4] {
            try await runner.queue.send(Array(repeating: ["id": 1], count: size))
        }
        let running = Task { await runner.run() }
        await yieldUntil { sink.writes.value == 1 }
        await clock.waitForSleepers()  // the first write, stuck
        running.cancel()
        await running.value
        #expect(runner.counters.undelivered.load(ordering: .relaxed) == 9)
        #expect(runner.counters.sent.load(ordering: .relaxed) == 0 && runner.counters.failed.load(ordering: .relaxed) == 0)
        #expect(sink.closed.value)
    }
}

/// A sink whose open and writes never finish: each waits on a clock that does not move, until
/// its task is cancelled.
private final class StuckSink: OutputSink {
    let label = "stuck"
    var status: OutputStatus? { nil }
    let clock: ManualClock
    let writes = Locked(0)
    let closed = Locked(false)

    init(_ clock: ManualClock) { self.clock = clock }

    func open() async throws { try await clock.sleep(for: .seconds(1)) }

    func write(_ events: [Event]) async throws {
        writes.withLock { $0 += 1 }
        try await clock.sleep(for: .seconds(1))
    }

    func close() async { closed.withLock { $0 = true } }
}
