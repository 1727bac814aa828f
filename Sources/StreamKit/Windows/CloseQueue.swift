/// The windows waiting to close, earliest first: a binary min-heap of our own (rather than
/// swift-collections' `Heap`) so the window engine's hot path can be inlined into, and
/// specialised for, the caller's types.
@usableFromInline
struct CloseQueue<Key: Hashable> {
    @usableFromInline
    struct Entry {
        @usableFromInline var closeAt: Int64
        /// Creation order: windows closing at the same time close in the order they opened.
        @usableFromInline var seq: Int64
        /// The window's id within its key (the window index for aligned windows).
        @usableFromInline var id: Int64
        @usableFromInline var key: Key

        @inlinable init(closeAt: Int64, seq: Int64, id: Int64, key: Key) {
            self.closeAt = closeAt
            self.seq = seq
            self.id = id
            self.key = key
        }

        @inlinable func precedes(_ other: Entry) -> Bool {
            closeAt < other.closeAt || (closeAt == other.closeAt && seq < other.seq)
        }
    }

    @usableFromInline var entries: [Entry] = []

    @inlinable init() {}

    /// The earliest close time (µs), or `Int64.max` when empty: one comparison tells whether
    /// anything is due.
    @inlinable var earliest: Int64 { entries.first?.closeAt ?? .max }

    @inlinable var min: Entry? { entries.first }

    @inlinable
    mutating func insert(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable
    mutating func popMin() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { break }
            var smallest = left
            if left + 1 < entries.count, entries[left + 1].precedes(entries[left]) { smallest = left + 1 }
            guard entries[smallest].precedes(entries[parent]) else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    @inlinable mutating func removeAll() { entries.removeAll() }
}
