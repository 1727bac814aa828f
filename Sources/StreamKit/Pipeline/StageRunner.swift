public import Synchronization

/// A stage ready to run, with its element types erased.
///
/// Built by ``Pipeline/via(_:)``, which is inlinable: the closure is compiled where the element
/// types are concrete, so the worker loop it calls is specialised for them (an existential of a
/// generic runner would run it unspecialised, asking the runtime for generic metadata per element).
@usableFromInline
struct StageRunning: Sendable {
    @usableFromInline let metrics: StageMetrics
    /// Runs the workers until the input is closed and drained, then closes the output.
    @usableFromInline let run: @Sendable (FailureSink) async throws -> Void

    @inlinable
    init<Input, Output>(_ runner: StageRunner<Input, Output>) {
        metrics = runner.metrics
        run = { try await runner.run(failures: $0) }
    }

    @inlinable
    init<Input, Key, Agg, Output>(_ runner: WindowStageRunner<Input, Key, Agg, Output>) {
        metrics = runner.metrics
        run = { try await runner.run(failures: $0) }
    }
}

/// What processing one element came to.
@usableFromInline
enum StageOutcome<Output: Sendable>: Sendable {
    case emit(Output)
    case filtered
    case failed
}

@usableFromInline
struct StageRunner<Input: Sendable, Output: Sendable>: Sendable {
    @usableFromInline let stage: Stage<Input, Output>
    @usableFromInline let name: String
    @usableFromInline let input: Channel<Input>
    @usableFromInline let output: Channel<Output>
    @usableFromInline let metrics: StageMetrics

    /// Most elements a worker takes from its input at once: large enough to amortise the lock,
    /// small enough to keep latency and the other workers' share reasonable.
    @inlinable static var maxBatch: Int { 64 }

    @inlinable
    init(stage: Stage<Input, Output>, name: String, input: Channel<Input>, output: Channel<Output>) {
        self.stage = stage
        self.name = name
        self.input = input
        self.output = output
        let workerCount = stage.ordered ? 1 : stage.workers
        // Ordered workers share one counter set; an unordered worker has its own.
        self.metrics = StageMetrics(name: name, workers: stage.workers, counterSets: workerCount, exclusiveSets: !stage.ordered) {
            (input.count, input.capacity)
        }
    }

    @inlinable
    func run(failures: FailureSink) async throws {
        defer { output.close() }
        if stage.ordered {
            try await runOrdered(failures: failures)
        } else {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for counters in metrics.counters {
                    group.addTask { try await self.work(counters: counters, failures: failures) }
                }
                try await group.waitForAll()
            }
        }
    }

    /// An unordered worker: takes a batch, processes it, hands the outputs downstream in one go.
    @inlinable
    func work(counters: WorkerCounters, failures: FailureSink) async throws {
        metrics.liveWorkers.add(1, ordering: .relaxed)
        defer { metrics.liveWorkers.subtract(1, ordering: .relaxed) }
        var outputs: [Output] = []
        outputs.reserveCapacity(Self.maxBatch)
        while true {
            let batchSize = max(1, min(Self.maxBatch, (input.count + stage.workers - 1) / stage.workers))
            let batch: [Input]
            do { batch = try await input.receive(upTo: batchSize) } catch is ChannelClosed { return }
            counters.add(.received, batch.count)
            var start = ContinuousClock.now
            for element in batch {
                let outcome: StageOutcome<Output>
                (outcome, start) = try await processReporting(element, since: start, counters: counters, failures: failures)
                if case .emit(let value) = outcome { outputs.append(value) }
            }
            try await deliver(outputs, counters: counters)
            outputs.removeAll(keepingCapacity: true)
        }
    }

    /// Processes one element, records its latency from `start` and counts a filter or a failure.
    /// Returns the outcome and the time it ended, which times the next element of a batch (one
    /// clock read per element).
    @inlinable
    func processReporting(
        _ element: Input,
        since start: ContinuousClock.Instant,
        counters: WorkerCounters,
        failures: FailureSink
    ) async throws -> (StageOutcome<Output>, ContinuousClock.Instant) {
        let outcome: StageOutcome<Output>
        do {
            outcome = try await stage.process(element).map { .emit($0) } ?? .filtered
        } catch is CancellationError where Task.isCancelled {
            // The run is being cancelled (immediate stop): the element is abandoned, not failed.
            throw CancellationError()
        } catch {
            outcome = .failed
            counters.add(.failed, 1)
            try await failures.report(StageFailure(stage: name, input: element, error: error))
        }
        let end = ContinuousClock.now
        counters.latency.record(nanoseconds: Self.nanoseconds(end - start))
        if case .filtered = outcome { counters.add(.filtered, 1) }
        return (outcome, end)
    }

    /// Sends outputs downstream, timing any wait for room as backpressure.
    @inlinable
    func deliver(_ outputs: [Output], counters: WorkerCounters) async throws {
        guard !outputs.isEmpty else { return }
        try await output.deliver(outputs, from: name, counters: counters)
    }

    /// Ordered mode reuses ``DataStream/mapAsync(concurrency:ordered:)``: its workers process
    /// concurrently and a reorder buffer releases results in input order.
    @inlinable
    func runOrdered(failures: FailureSink) async throws {
        let counters = metrics.counters[0]
        metrics.liveWorkers.add(stage.workers, ordering: .relaxed)
        defer { metrics.liveWorkers.subtract(stage.workers, ordering: .relaxed) }
        try await DataStream.from(input)
            .tap { _ in counters.add(.received, 1) }
            .mapAsync(concurrency: stage.workers, ordered: true) { element in
                try await self.processReporting(element, since: .now, counters: counters, failures: failures).0
            }
            .forEach { outcome in
                if case .emit(let value) = outcome { try await deliver([value], counters: counters) }
            }
    }

    @inlinable
    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}

extension Channel {
    /// A stage's hand-over downstream: all of `elements` at once, waiting for room if needed
    /// (timed as the stage's backpressure), counted as emitted.
    @inlinable
    func deliver(_ elements: [Element], from stage: String, counters: WorkerCounters) async throws {
        switch trySend(contentsOf: elements) {
        case .enqueued: break
        case .closed: throw PipelineError.downstreamClosed(stage: stage)
        case .full:
            let start = ContinuousClock.now
            do { try await send(contentsOf: elements) } catch is ChannelClosed {
                throw PipelineError.downstreamClosed(stage: stage)
            }
            counters.add(.backpressureNanoseconds, StageRunner<Element, Element>.nanoseconds(ContinuousClock.now - start))
        }
        counters.add(.emitted, elements.count)
    }
}
