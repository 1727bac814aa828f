import DequeModule
import StreamKit

/// The latest events of a pipeline, kept in a fixed-size ring for `GET .../output`.
package final class MemoryOutput: OutputSink {
    package let label = "memory"
    package let capacity: Int
    private let ring: Locked<Deque<Event>>

    package init(capacity: Int) {
        self.capacity = capacity
        ring = Locked(Deque(minimumCapacity: min(capacity, 4096)))
    }

    package func write(_ events: [Event]) async throws {
        ring.withLock { ring in
            for event in events.suffix(capacity) {
                if ring.count == capacity { ring.removeFirst() }
                ring.append(event)
            }
        }
    }

    package func close() async {}

    /// Up to `limit` of the newest events, oldest first.
    package func latest(_ limit: Int) -> [Event] {
        ring.withLock { Array($0.suffix(max(0, limit))) }
    }
}
