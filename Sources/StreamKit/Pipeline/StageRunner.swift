import Synchronization

/// The running form of a stage: its input and output channels, its workers and their counters.
protocol StageRunning: Sendable {
    var metrics: StageMetrics { get }
    /// Runs the workers until the input is closed and drained, then closes the output.
    func run(failures: FailureSink) async throws
}

/// What processing one element came to.
enum StageOutcome<Output: Sendable>: Sendable {
    case emit(Output)
    case filtered
    case failed
}

struct StageRunner<Input: Sendable, Output: Sendable>: StageRunning {
    let stage: Stage<Input, Output>
    let name: String
    let input: Channel<Input>
    let output: Channel<Output>
    let metrics: StageMetrics

    /// Most elements a worker takes from its input at once: large enough to amortise the lock,
    /// small enough to keep latency and the other workers' share reasonable.
    static var maxBatch: Int { 64 }

    init(stage: Stage<Input, Output>, name: String, input: Channel<Input>, output: Channel<Output>) {
        self.stage = stage
        self.name = name
        self.input = input
        self.output = output
        let workerCount = stage.ordered ? 1 : stage.workers
        self.metrics = StageMetrics(name: name, workers: stage.workers, counterSets: workerCount) {
            (input.count, input.capacity)
        }
    }

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
    func work(counters: WorkerCounters, failures: FailureSink) async throws {
        metrics.liveWorkers.add(1, ordering: .relaxed)
        defer { metrics.liveWorkers.subtract(1, ordering: .relaxed) }
        var outputs: [Output] = []
        outputs.reserveCapacity(Self.maxBatch)
        while true {
            let batchSize = max(1, min(Self.maxBatch, input.count / stage.workers))
            let batch: [Input]
            do { batch = try await input.receive(upTo: batchSize) } catch is ChannelClosed { return }
            counters.add(.received, batch.count)
            for element in batch {
                switch try await processReporting(element, counters: counters, failures: failures) {
                case .emit(let value): outputs.append(value)
                case .filtered, .failed: break
                }
            }
            try await deliver(outputs, counters: counters)
            outputs.removeAll(keepingCapacity: true)
        }
    }

    func processReporting(_ element: Input, counters: WorkerCounters, failures: FailureSink) async throws -> StageOutcome<Output> {
        let start = ContinuousClock.now
        do {
            let value = try await stage.process(element)
            counters.latency.record(nanoseconds: Self.nanoseconds(ContinuousClock.now - start))
            guard let value else {
                counters.add(.filtered, 1)
                return .filtered
            }
            return .emit(value)
        } catch is CancellationError where Task.isCancelled {
            // The run is being cancelled (immediate stop): the element is abandoned, not failed.
            throw CancellationError()
        } catch {
            counters.latency.record(nanoseconds: Self.nanoseconds(ContinuousClock.now - start))
            counters.add(.failed, 1)
            try await failures.report(StageFailure(stage: name, input: element, error: error))
            return .failed
        }
    }

    /// Sends outputs downstream, timing any wait for room as backpressure.
    func deliver(_ outputs: [Output], counters: WorkerCounters) async throws {
        guard !outputs.isEmpty else { return }
        switch output.trySend(contentsOf: outputs) {
        case .enqueued: break
        case .closed: throw PipelineError.downstreamClosed(stage: name)
        case .full:
            let start = ContinuousClock.now
            do { try await output.send(contentsOf: outputs) } catch is ChannelClosed {
                throw PipelineError.downstreamClosed(stage: name)
            }
            counters.add(.backpressureNanoseconds, Self.nanoseconds(ContinuousClock.now - start))
        }
        counters.add(.emitted, outputs.count)
    }

    /// Ordered mode reuses ``DataStream/mapAsync(concurrency:ordered:)``: its workers process
    /// concurrently and a reorder buffer releases results in input order.
    func runOrdered(failures: FailureSink) async throws {
        let counters = metrics.counters[0]
        metrics.liveWorkers.add(stage.workers, ordering: .relaxed)
        defer { metrics.liveWorkers.subtract(stage.workers, ordering: .relaxed) }
        try await DataStream.from(input)
            .tap { _ in counters.add(.received, 1) }
            .mapAsync(concurrency: stage.workers, ordered: true) { element in
                try await self.processReporting(element, counters: counters, failures: failures)
            }
            .forEach { outcome in
                if case .emit(let value) = outcome { try await deliver([value], counters: counters) }
            }
    }

    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}
