import Dispatch
import StreamKit

/// A serial queue for the blocking system calls of one output or hook: `open(2)` on a FIFO
/// without a reader or on a hung network mount, `write(2)` to a full pipe, `posix_spawn` of a
/// program on such a mount.
///
/// Those calls must never run on a thread of Swift's cooperative pool, an HTTP thread or the
/// start-up path. A serial dispatch queue targets libdispatch's overcommit pool, which starts a
/// thread for it rather than wait for a free one: a job blocked here holds that thread alone,
/// one per queue at most, and the caller awaits the result without holding any thread. The caller may stop waiting (its task is cancelled):
/// a system call cannot be interrupted, so the job runs to its end and its result goes to
/// `abandoned`, which releases what it holds (closes a descriptor, stops a child).
///
/// ```swift
/// let io = BlockingQueue(label: "streamd.output.file")
/// let descriptor = try await io.run({ open(path, O_WRONLY) }, abandoned: { if $0 >= 0 { close($0) } })
/// ```
package final class BlockingQueue: Sendable {
    private let queue: DispatchQueue

    package init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// `job`'s result, once it has run after every job queued before it. Throws
    /// `CancellationError` as soon as the calling task is cancelled; a job not started by then
    /// never runs.
    package func run<T: Sendable>(
        _ job: @escaping @Sendable () -> T,
        abandoned: @escaping @Sendable (T) -> Void = { _ in }
    ) async throws(CancellationError) -> T {
        let call = BlockingCall<T>()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                guard call.wait(continuation) else { return }
                queue.async {
                    guard call.start() else { return }
                    let value = job()
                    if !call.finish(value) { abandoned(value) }
                }
            }
        } onCancel: {
            call.abandon()
        }
        guard let result else { throw CancellationError() }
        return result
    }

    /// Runs `job` after the jobs queued before it, without waiting for it.
    package func submit(_ job: @escaping @Sendable () -> Void) {
        queue.async(execute: job)
    }
}

/// One awaited job: settles the race between the job finishing and its caller giving up, so the
/// continuation is resumed exactly once, outside the lock.
private final class BlockingCall<T: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<T?, Never>)
        case running(CheckedContinuation<T?, Never>)
        case finished
        case abandoned
    }

    private let state = Locked(State.idle)

    /// Registers the caller; `false` (and the caller resumed with `nil`) if it already gave up.
    func wait(_ continuation: CheckedContinuation<T?, Never>) -> Bool {
        let registered = state.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .waiting(continuation)
            return true
        }
        if !registered { continuation.resume(returning: nil) }
        return registered
    }

    /// The queue reached the job; `false` if the caller gave up meanwhile (the job is skipped).
    func start() -> Bool {
        state.withLock { state in
            guard case .waiting(let continuation) = state else { return false }
            state = .running(continuation)
            return true
        }
    }

    /// Hands the result over; `false` if nobody waits for it any more.
    func finish(_ value: T) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<T?, Never>? in
            guard case .running(let continuation) = state else { return nil }
            state = .finished
            return continuation
        }
        continuation?.resume(returning: .some(value))
        return continuation != nil
    }

    func abandon() {
        let continuation = state.withLock { state -> CheckedContinuation<T?, Never>? in
            switch state {
            case .idle:
                state = .abandoned
                return nil
            case .waiting(let continuation):
                state = .abandoned
                return continuation
            case .running(let continuation):
                state = .abandoned
                return continuation
            case .finished, .abandoned:
                return nil
            }
        }
        continuation?.resume(returning: nil)
    }
}
