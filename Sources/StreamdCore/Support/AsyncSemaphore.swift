import StreamKit

/// At most `limit` holders at once; the rest wait in arrival order without blocking a thread.
///
/// An exec hook uses one to cap how many copies of its program run at the same time; the daemon
/// uses one to serialise definition changes. Waiters carry an id so a cancelled one is removed
/// exactly, and continuations are resumed only after the lock is released.
package final class AsyncSemaphore: Sendable {
    /// A waiting holder: one that gives up when cancelled, or one that waits its turn regardless.
    private enum Waiter {
        case cancellable(CheckedContinuation<Void, any Error>)
        case patient(UnsafeContinuation<Void, Never>)

        func resume() {
            switch self {
            case .cancellable(let continuation): continuation.resume()
            case .patient(let continuation): continuation.resume()
            }
        }
    }

    private struct State {
        var available: Int
        var waiters: [(id: UInt64, waiter: Waiter)] = []
        var nextID: UInt64 = 0
        /// Waiters cancelled before they were queued.
        var cancelled: Set<UInt64> = []

        mutating func makeID() -> UInt64 {
            defer { nextID += 1 }
            return nextID
        }
    }

    private let state: Locked<State>

    package init(limit: Int) {
        precondition(limit >= 1, "a semaphore needs at least one permit")
        state = Locked(State(available: limit))
    }

    /// Runs `body` while holding a permit; throws `CancellationError` if cancelled while waiting.
    package func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    /// Runs `body` while holding a permit, waiting for one however long it takes, even when the
    /// task is cancelled (for work that must not skip the queue).
    package func withTurn<T>(_ body: () async -> T) async -> T {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                let id = state.makeID()
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append((id, .patient(continuation)))
                return false
            }
            if ready { continuation.resume() }
        }
        defer { release() }
        return await body()
    }

    package func acquire() async throws {
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if state.available > 0 {
                        state.available -= 1
                        return .success(())
                    }
                    state.waiters.append((id, .cancellable(continuation)))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                guard case .cancellable(let continuation) = state.waiters[index].waiter else { return nil }
                state.waiters.remove(at: index)
                return continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
        // A permit acquired right as the task was cancelled leaves a stale marker behind.
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    package func release() {
        let next = state.withLock { state -> Waiter? in
            guard !state.waiters.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().waiter
        }
        next?.resume()
    }
}
