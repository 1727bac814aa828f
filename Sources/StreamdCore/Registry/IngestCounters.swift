package import Synchronization

/// Ingestion counters of one pipeline: requests by status, events accepted and rejected, bytes.
package final class IngestCounters: Sendable {
    /// The statuses ingestion answers with (SPEC §3.3); anything else counts as "other".
    package static let statuses = [202, 207, 400, 401, 403, 404, 409, 413, 415, 429, 503]

    private let requests = (0..<12).map { _ in Counter() }
    private let accepted = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)

    package func record(status: Int, accepted events: Int, rejected bad: Int, bytes size: Int) {
        let index = Self.statuses.firstIndex(of: status) ?? Self.statuses.count
        requests[index].value.add(1, ordering: .relaxed)
        accepted.add(events, ordering: .relaxed)
        rejected.add(bad, ordering: .relaxed)
        bytes.add(size, ordering: .relaxed)
    }

    package struct Snapshot: Sendable {
        package var requestsByStatus: [(status: String, count: Int)]
        package var eventsAccepted: Int
        package var eventsRejected: Int
        package var bytes: Int
    }

    package func snapshot() -> Snapshot {
        let labels = Self.statuses.map(String.init) + ["other"]
        return Snapshot(
            requestsByStatus: zip(labels, requests).map { ($0, $1.value.load(ordering: .relaxed)) },
            eventsAccepted: accepted.load(ordering: .relaxed),
            eventsRejected: rejected.load(ordering: .relaxed),
            bytes: bytes.load(ordering: .relaxed)
        )
    }
}

/// One relaxed atomic counter in a class, so several can sit in an array.
package final class Counter: Sendable {
    package let value = Atomic<Int>(0)
}
