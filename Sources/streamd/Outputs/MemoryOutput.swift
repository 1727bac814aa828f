import DequeModule
import StreamKit

/// The latest events of a pipeline, kept in a fixed-size ring for `GET .../output`.
final class MemoryOutput: OutputSink {
    let label = "memory"
    let capacity: Int
    /// Always writable.
    var status: OutputStatus? { nil }
    private let ring: Locked<Deque<Event>>

    init(capacity: Int) {
        self.capacity = capacity
        ring = Locked(Deque(minimumCapacity: min(capacity, 4096)))
    }

    func write(_ events: [Event]) async throws {
        ring.withLock { ring in
            for event in events.suffix(capacity) {
                if ring.count == capacity { ring.removeFirst() }
                ring.append(event)
            }
        }
    }

    func close() async {}

    /// Up to `limit` of the newest events, oldest first.
    func latest(_ limit: Int) -> [Event] {
        ring.withLock { Array($0.suffix(max(0, limit))) }
    }
}
