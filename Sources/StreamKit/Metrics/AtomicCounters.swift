public import Synchronization

/// A fixed-size array of atomic integers (the standard library has no array of `Atomic`, which
/// cannot be copied).
///
/// `@unchecked Sendable`: the pointer is written only at initialisation and freed in `deinit`;
/// every access in between goes through the `Atomic` operations.
@usableFromInline
final class AtomicCounters: @unchecked Sendable {
    @usableFromInline let count: Int
    @usableFromInline let storage: UnsafeMutablePointer<Atomic<Int>>

    @usableFromInline
    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        for index in 0..<count { (storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @inlinable
    func add(_ amount: Int, at index: Int) {
        storage[index].wrappingAdd(amount, ordering: .relaxed)
    }

    @inlinable
    func load(_ index: Int) -> Int {
        storage[index].load(ordering: .relaxed)
    }

    @inlinable
    func max(_ value: Int, at index: Int) {
        if value > storage[index].load(ordering: .relaxed) { storage[index].max(value, ordering: .relaxed) }
    }

    /// ``add(_:at:)`` for a counter only one task ever writes: a relaxed load and store instead of
    /// a read-modify-write (no locked instruction; readers still see whole values).
    @inlinable
    func addExclusive(_ amount: Int, at index: Int) {
        storage[index].store(storage[index].load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    /// ``max(_:at:)`` for a counter only one task ever writes.
    @inlinable
    func maxExclusive(_ value: Int, at index: Int) {
        if value > storage[index].load(ordering: .relaxed) { storage[index].store(value, ordering: .relaxed) }
    }
}
