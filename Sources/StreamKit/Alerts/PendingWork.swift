/// Counts work accepted and not yet finished, and wakes whoever waits for it to reach zero:
/// how ``AlertDispatcher/finish(within:)`` learns that every queued notification has been
/// attempted, without polling.
package final class PendingWork: Sendable {
    package init() {}

    private let state = Locked(PendingWorkState<UnsafeContinuation<Void, Never>>())

    /// Work accepted (before anyone can start on it, so a waiter never misses it).
    package func begin() { state.withLock { $0.begin() } }

    /// Work finished, or refused after ``begin()``.
    package func end() {
        for waiter in state.withLock({ $0.end() }) { waiter.resume() }
    }

    package var count: Int { state.withLock { $0.count } }

    /// Returns once no work is pending (at once if none is), or when the waiting task is
    /// cancelled.
    package func waitUntilIdle() async {
        let id = state.withLock { $0.makeID() }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let ready = state.withLock { $0.wait(id: id, continuation, cancelled: Task.isCancelled) }
                ready?.resume()
            }
        } onCancel: {
            state.withLock { $0.cancelWait(id: id) }?.resume()
        }
    }
}

/// ``PendingWork``'s state: a pure state machine whose changes return the waiters to resume
/// once the lock is released. Generic over the waiter so it can be tested without tasks.
struct PendingWorkState<Waiter> {
    private(set) var count = 0
    private var waiters: [UInt64: Waiter] = [:]
    private var nextID: UInt64 = 0

    mutating func makeID() -> UInt64 {
        nextID += 1
        return nextID
    }

    mutating func begin() { count += 1 }

    /// The waiters to wake: all of them when the count reaches zero.
    mutating func end() -> [Waiter] {
        precondition(count > 0, "PendingWork.end() without a matching begin()")
        count -= 1
        guard count == 0, !waiters.isEmpty else { return [] }
        defer { waiters = [:] }
        return Array(waiters.values)
    }

    /// `waiter` itself when it need not wait (nothing pending, or its task is cancelled);
    /// otherwise it is kept until the count reaches zero.
    mutating func wait(id: UInt64, _ waiter: Waiter, cancelled: Bool) -> Waiter? {
        if cancelled || count == 0 { return waiter }
        waiters[id] = waiter
        return nil
    }

    /// The cancelled waiter, if it was still waiting.
    mutating func cancelWait(id: UInt64) -> Waiter? {
        waiters.removeValue(forKey: id)
    }
}
