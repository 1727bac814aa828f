import Dispatch
import StreamKit
import Testing

import StreamdCore
import StreamdHTTP

/// `Deadline.within` really stops waiting at the deadline, even for work that ignores
/// cancellation (which a task group would wait for).
@Suite(.timeLimit(.minutes(1))) struct DeadlineTests {
    @Test func workThatEndsInTimeIsReportedFinished() async {
        #expect(await Deadline.within(.seconds(60)) {})
    }

    @Test func workThatIgnoresCancellationDoesNotHoldTheCaller() async {
        let release = DispatchSemaphore(value: 0)
        let cancelled = Locked(false)
        let finished = await Deadline.within(.milliseconds(20)) {
            await withTaskCancellationHandler {
                await BlockingQueueTests.wait(release)  // ends only when the test says so
            } onCancel: {
                cancelled.withLock { $0 = true }
            }
        }
        #expect(!finished)
        #expect(cancelled.value, "the work was cancelled at the deadline")
        release.signal()
    }
}
