package import Synchronization

/// A kind of output: where a pipeline's results go (`memory`, `file`, `stdout`, `http`, or one
/// registered from Swift). A value of the type is a configured output; the runtime makes a sink
/// from it for every run of the pipeline.
public protocol OutputKind: Component {
    /// The sink for one run. A sink that must outlive runs (the memory output, which the API
    /// reads) comes from `context.retained`.
    func makeSink(_ context: OutputContext) -> any OutputSink
}

/// Where a pipeline's results are written. Each sink gets batches in order from one task of its
/// own, so a slow sink holds back only its own pipeline.
public protocol OutputSink: Sendable {
    /// A short label for metrics and logs: `memory`, `file:/path`, `stdout`.
    var label: String { get }
    /// Gets ready to write, retrying in the background until it is (so a path that cannot be
    /// opened shows in the logs and metrics at once, not at the first event); throws only when
    /// cancelled. Runs in the output's own task, before the first write.
    func open() async throws
    func write(_ events: [Event]) async throws
    /// Flushes and releases resources; called once per run, after the last write.
    func close() async
}

extension OutputSink {
    public func open() async throws {}
    public func close() async {}

    /// Whether the sink can be written now, for sinks that can be unavailable (`nil`: always).
    package var reportedStatus: OutputStatus? { (self as? any ReportsAvailability)?.status ?? nil }
}

/// A sink that can be unwritable for a while (a file that cannot be opened, a receiver that is
/// down) and says so in metrics and logs.
package protocol ReportsAvailability {
    var status: OutputStatus? { get }
}

/// What an output's sink may use while it is made.
public struct OutputContext: Sendable {
    /// The pipeline the output belongs to.
    public let pipeline: String
    package let counters: OutputCounters
    package let retainedSinks: RetainedSinks
    /// The output's position in the pipeline's list.
    package let index: Int

    package init(pipeline: String, counters: OutputCounters = OutputCounters(), retainedSinks: RetainedSinks = RetainedSinks(), index: Int = 0) {
        self.pipeline = pipeline
        self.counters = counters
        self.retainedSinks = retainedSinks
        self.index = index
    }

    /// Counts one retried write in this output's `retries` metric.
    public func countRetry() { counters.retries.add(1, ordering: .relaxed) }

    /// The sink `make` returns the first time, and the same one on every later run of the
    /// pipeline: for outputs whose contents outlive a restart.
    public func retained<Sink: OutputSink>(_ make: () -> Sink) -> Sink {
        retainedSinks.sink(at: index, make)
    }
}

/// The sinks of one pipeline that outlive its runs, by output position.
package final class RetainedSinks: Sendable {
    private let sinks = Mutex<[Int: any OutputSink]>([:])

    package init() {}

    package func sink<Sink: OutputSink>(at index: Int, _ make: () -> Sink) -> Sink {
        sinks.withLock { sinks in
            if let sink = sinks[index] as? Sink { return sink }
            let sink = make()
            sinks[index] = sink
            return sink
        }
    }
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
