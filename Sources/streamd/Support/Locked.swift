import Foundation

/// A value behind a pthread mutex (`NSLock`), for state that HTTP readers and pipeline tasks
/// touch at the same time (alert rules, recent transitions, window monitors).
///
/// Why not `Synchronization.Mutex`: on Linux it is a priority-inheritance futex whose hand-over
/// the thread sanitizer cannot see, so contended use is reported as a race (SPEC §5 asks for a
/// clean `--sanitize=thread` run). These locks are never on a per-event path.
///
/// `@unchecked Sendable`: `value` is only reached inside `withLock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
