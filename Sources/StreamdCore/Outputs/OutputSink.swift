package import Synchronization

/// Where a pipeline's results go. Each sink gets batches in order from one task of its own.
package protocol OutputSink: Sendable {
    /// A short label for metrics: `memory`, `file:/path`, `stdout`.
    var label: String { get }
    /// Whether the sink can be written now, for sinks that can be unavailable (`nil`: always).
    var status: OutputStatus? { get }
    /// Gets ready to write, retrying in the background until it is (so a path that cannot be
    /// opened shows in the logs and metrics at once, not at the first event); throws only when
    /// cancelled. Runs in the output's own task, before the first write.
    func open() async throws
    func write(_ events: [Event]) async throws
    /// Flushes and releases resources; called once, after the last write.
    func close() async
}

extension OutputSink {
    package func open() async throws {}
}

/// Counters of one output, read by the metrics endpoints.
package final class OutputCounters: Sendable {
    package let sent = Atomic<Int>(0)
    package let failed = Atomic<Int>(0)
    package let retries = Atomic<Int>(0)
    /// Events a stop that gave up (after `shutdown_timeout`) left unwritten.
    package let undelivered = Atomic<Int>(0)

    package init() {}
}
