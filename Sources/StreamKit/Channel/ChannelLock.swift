public import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock around a channel's state: a test-and-test-and-set spin lock that yields the thread
/// after a short spin.
///
/// Why not `Mutex`: on Linux it is a priority-inheritance futex, so a contended acquisition or
/// release goes through the kernel. A channel's critical sections are a handful of instructions
/// (a deque push or pop), and with one producer and one consumer on different cores the lock is
/// contended on nearly every element; spinning for the few nanoseconds the holder needs is far
/// cheaper than a system call. Continuations are never resumed under this lock, so it is never
/// held across anything slow.
///
/// `@unchecked Sendable`: `value` is reached only through `withLock`, which holds the lock.
@usableFromInline
final class ChannelLock<Value>: @unchecked Sendable {
    @usableFromInline let flag = Atomic<Bool>(false)
    @usableFromInline let value: UnsafeMutablePointer<Value>

    @inlinable
    init(_ initial: Value) {
        value = .allocate(capacity: 1)
        value.initialize(to: initial)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
    }

    @inlinable
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        if !flag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { lockSlowly() }
        defer { flag.store(false, ordering: .releasing) }
        return try body(&value.pointee)
    }

    @usableFromInline
    func lockSlowly() {
        var spins = 0
        while true {
            if !flag.load(ordering: .relaxed),
                flag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            spins += 1
            // The holder is probably descheduled: let it run.
            if spins >= 100 { sched_yield() }
        }
    }
}
