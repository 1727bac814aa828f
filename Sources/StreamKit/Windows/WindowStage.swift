public import Synchronization

/// A pipeline stage that aggregates elements into windows and emits a ``WindowResult`` per
/// closed window and key (one worker: a window's state is owned by a single task).
///
/// ```swift
/// let perSource = WindowStage<Metric, String, _>("per-source",
///     WindowSpec(.sliding(size: .seconds(2), slide: .milliseconds(500)), time: .event()),
///     aggregate: Aggregators.Average { $0.value },
///     key: { $0.source }, eventTime: { $0.timestamp })
/// let pipeline = Pipeline.from(metrics).via(perSource).to(results)
/// ```
///
/// Late elements and those over the key limit become ``StageFailure``s whose error is a
/// ``WindowRejected`` (the side output). When the input ends, open windows are flushed as
/// partial results. Windows also close on the clock, with no further input.
public struct WindowStage<Input: Sendable, Key: Hashable & Sendable, Agg: Aggregator>: Sendable where Agg.Input == Input {
    public var name: String?
    public var capacity: Int
    /// The window state; look at it while the pipeline runs. One pipeline run per stage value.
    public let window: WindowOperator<Input, Key, Agg>
    @usableFromInline let key: @Sendable (Input) throws -> Key
    @usableFromInline let eventTime: (@Sendable (Input) throws -> Timestamp)?

    /// `eventTime` is required with ``WindowSpec/Time/event(maxOutOfOrderness:allowedLateness:)``;
    /// a throwing `key` or `eventTime` fails that element only.
    public init(
        _ name: String? = nil,
        _ spec: WindowSpec,
        capacity: Int = 256,
        aggregate: Agg,
        clock: WindowClock = .system,
        key: @escaping @Sendable (Input) throws -> Key,
        eventTime: (@Sendable (Input) throws -> Timestamp)? = nil
    ) {
        self.init(name, window: WindowOperator(spec: spec, aggregator: aggregate, clock: clock), capacity: capacity, key: key, eventTime: eventTime)
    }

    /// A stage around an existing operator (to keep a reference for monitoring).
    public init(
        _ name: String? = nil,
        window: WindowOperator<Input, Key, Agg>,
        capacity: Int = 256,
        key: @escaping @Sendable (Input) throws -> Key,
        eventTime: (@Sendable (Input) throws -> Timestamp)? = nil
    ) {
        precondition(!window.spec.isEventTime || eventTime != nil, "event-time windows need an eventTime function")
        self.name = name
        self.capacity = capacity
        self.window = window
        self.key = key
        self.eventTime = eventTime
    }
}

extension WindowStage where Key == Unkeyed {
    /// A window over all elements (no `groupBy`).
    public init(
        _ name: String? = nil,
        _ spec: WindowSpec,
        capacity: Int = 256,
        aggregate: Agg,
        clock: WindowClock = .system,
        eventTime: (@Sendable (Input) throws -> Timestamp)? = nil
    ) {
        self.init(name, spec, capacity: capacity, aggregate: aggregate, clock: clock, key: { _ in Unkeyed() }, eventTime: eventTime)
    }
}

/// The one key of an unkeyed window.
public struct Unkeyed: Hashable, Sendable {
    public init() {}
}

extension Pipeline {
    /// Appends a window stage.
    @inlinable
    public func via<Key, Agg>(_ stage: WindowStage<Output, Key, Agg>) -> Pipeline<Input, WindowResult<Key, Agg.Output>> {
        via(stage) { $0 }
    }

    /// Appends a window stage whose results are turned into `Next` values as they are emitted
    /// (no extra stage, no extra queue). Inlinable like ``via(_:)-(Stage)``, so the stage's loop
    /// is specialised for its types.
    @inlinable
    public func via<Key, Agg, Next: Sendable>(
        _ stage: WindowStage<Output, Key, Agg>,
        results transform: @escaping @Sendable (WindowResult<Key, Agg.Output>) -> Next
    ) -> Pipeline<Input, Next> {
        appending(name: stage.name, capacity: stage.capacity) { name, input, output in
            StageRunning(WindowStageRunner(stage: stage, name: name, input: input, output: output, transform: transform))
        }
    }
}

/// Runs a ``WindowStage``: takes batches, or waits for an element until the next window is due.
@usableFromInline
struct WindowStageRunner<Input: Sendable, Key: Hashable & Sendable, Agg: Aggregator, Output: Sendable>: Sendable
where Agg.Input == Input {
    @usableFromInline typealias Result = WindowResult<Key, Agg.Output>
    @usableFromInline let stage: WindowStage<Input, Key, Agg>
    @usableFromInline let name: String
    @usableFromInline let input: Channel<Input>
    @usableFromInline let output: Channel<Output>
    @usableFromInline let transform: @Sendable (Result) -> Output
    @usableFromInline let metrics: StageMetrics

    @inlinable
    init(
        stage: WindowStage<Input, Key, Agg>, name: String, input: Channel<Input>, output: Channel<Output>,
        transform: @escaping @Sendable (Result) -> Output
    ) {
        self.stage = stage
        self.name = name
        self.input = input
        self.output = output
        self.transform = transform
        self.metrics = StageMetrics(name: name, workers: 1, counterSets: 1, aggregating: true) { (input.count, input.capacity) }
    }

    @inlinable
    func run(failures: FailureSink) async throws {
        defer { output.close() }
        let counters = metrics.counters[0]
        let window = stage.window
        metrics.liveWorkers.add(1, ordering: .relaxed)
        defer { metrics.liveWorkers.subtract(1, ordering: .relaxed) }
        while true {
            var batch: [Input]
            do {
                if input.count == 0, let deadline = window.nextDeadline() {
                    guard let first = try await input.receive(before: deadline, clock: window.clock) else {
                        try await deliver(window.advance(), counters: counters)
                        continue
                    }
                    batch = [first]
                    while batch.count < StageRunner<Input, Input>.maxBatch, case .element(let next) = input.tryReceive() {
                        batch.append(next)
                    }
                } else {
                    batch = try await input.receive(upTo: StageRunner<Input, Input>.maxBatch)
                }
            } catch is ChannelClosed {
                break
            }
            counters.add(.received, batch.count)
            let start = ContinuousClock.now
            var keyed: [(element: Input, key: Key, eventTime: Timestamp?)] = []
            keyed.reserveCapacity(batch.count)
            for element in batch {
                do {
                    keyed.append((element, try stage.key(element), try stage.eventTime?(element)))
                } catch {
                    counters.add(.failed, 1)
                    try await failures.report(StageFailure(stage: name, input: element, error: error))
                }
            }
            let (results, rejected) = window.insert(keyed)
            counters.add(.aggregated, keyed.count - rejected.count)
            counters.add(.failed, rejected.count)
            for rejection in rejected {
                try await failures.report(StageFailure(stage: name, input: rejection.element, error: rejection))
            }
            let elapsed = StageRunner<Input, Input>.nanoseconds(ContinuousClock.now - start)
            counters.latency.record(nanoseconds: elapsed / max(1, batch.count))
            try await deliver(results, counters: counters)
        }
        try await deliver(window.flush(), counters: counters)
    }

    /// Sends results downstream, timing any wait for room as backpressure.
    @inlinable
    func deliver(_ results: [Result], counters: WorkerCounters) async throws {
        guard !results.isEmpty else { return }
        try await output.deliver(results.map(transform), from: name, counters: counters)
    }
}
