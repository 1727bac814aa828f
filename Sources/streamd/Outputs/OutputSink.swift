import Synchronization

/// Where a pipeline's results go. Each sink gets batches in order from one task of its own.
protocol OutputSink: Sendable {
    /// A short label for metrics: `memory`, `file:/path`, `stdout`.
    var label: String { get }
    func write(_ events: [Event]) async throws
    /// Flushes and releases resources; called once, after the last write.
    func close() async
}

/// Counters of one output, read by the metrics endpoints.
final class OutputCounters: Sendable {
    let sent = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let retries = Atomic<Int>(0)
}
