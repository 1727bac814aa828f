import StreamKit

/// A pipeline's lifecycle state, as the API reports it.
enum PipelineState: String, Sendable {
    case stopped, starting, running, draining, failed
}

/// One named pipeline while the daemon lives: its definition, state and — while running — the
/// StreamKit pipeline, its input channel and its outputs.
///
/// HTTP handlers only ask it questions and call `start`/`stop`; the tasks are its own. Counters,
/// the memory output and the recent errors outlive restarts, so they only grow while the process
/// lives.
final class PipelineRuntime: Sendable {
    let definition: PipelineDefinition
    let ingest = IngestCounters()
    let errors: FailureLog
    /// The first memory output (kept across restarts), read by `GET .../output`.
    let memory: MemoryOutput?
    /// Window and alert stages, by stage name: they outlive runs (counters, alert state).
    let windows: [WindowMonitor]
    let alerts: [AlertMonitor]
    private let resources: StageResources
    private let context: EvaluationContext
    private let state = Locked(Lifecycle())

    private struct Lifecycle {
        var state = PipelineState.stopped
        var run: Run?
        /// Stage and output counters of finished runs, added to the current run's.
        var finished = RuntimeTotals()
        var lastError: String?
    }

    /// One start-to-stop run.
    private struct Run: Sendable {
        let input: Channel<Event>
        let pipeline: Pipeline<Event, Event>
        let outputs: [OutputRunner]
        let task: Task<Void, Never>
    }

    init(definition: PipelineDefinition, context: EvaluationContext, alerts center: AlertCenter? = nil, windowClock: WindowClock = .system) {
        self.definition = definition
        self.context = context
        self.errors = FailureLog(capacity: 1000)
        var resources = StageResources(center: center, failures: errors, clock: windowClock)
        for stage in definition.stages {
            switch stage.kind {
            case .window(let window): resources.windows[stage.name] = WindowMonitor(stage: stage.name, definition: window)
            case .alert(let alert): resources.alerts[stage.name] = AlertMonitor(pipeline: definition.name, stage: stage.name, definition: alert)
            default: break
            }
        }
        self.resources = resources
        let order = definition.stages.map(\.name)
        windows = order.compactMap { resources.windows[$0] }
        alerts = order.compactMap { resources.alerts[$0] }
        if case .memory(let capacity) = definition.outputs.first(where: { if case .memory = $0 { true } else { false } }) {
            memory = MemoryOutput(capacity: capacity)
        } else {
            memory = nil
        }
    }

    var currentState: PipelineState { state.withLock { $0.state } }
    var lastError: String? { state.withLock { $0.lastError } }

    /// The input channel while the pipeline accepts events.
    var input: Channel<Event>? {
        state.withLock { $0.state == .running ? $0.run?.input : nil }
    }

    /// Starts the pipeline if it is stopped or failed; does nothing otherwise.
    func start() {
        let definition = definition
        state.withLock { lifecycle in
            guard lifecycle.state == .stopped || lifecycle.state == .failed else { return }
            lifecycle.state = .starting
            let outputs: [OutputRunner]
            do {
                outputs = try definition.outputs.map { output in
                    switch output {
                    case .memory(let capacity): OutputRunner(sink: memory ?? MemoryOutput(capacity: capacity))
                    case .file(let path): OutputRunner(sink: try NDJSONFileOutput(path: path))
                    case .stdout: OutputRunner(sink: try NDJSONFileOutput(path: nil))
                    case .http(let url, let timeout, let retries, let headers):
                        OutputRunner.http(url: url, timeout: timeout, retries: retries, headers: headers)
                    }
                }
            } catch {
                lifecycle.state = .failed
                lifecycle.lastError = "\(error)"
                return
            }
            let input = Channel<Event>(capacity: definition.buffer)
            let results = Channel<Event>(capacity: 1024)
            var pipeline = Pipeline.from(input)
            for stage in definition.stages {
                pipeline = StageFactory.append(stage, to: pipeline, context: context, resources: resources)
            }
            let errors = errors
            pipeline = pipeline.to(results).onFailure { errors.record($0) }
            let runner = pipeline
            let task = Task {
                let outcome: String?
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await runner.run() }
                        group.addTask { await OutputRunner.fanOut(results, to: outputs) }
                        try await group.waitForAll()
                    }
                    outcome = nil
                } catch {
                    outcome = "\(error)"
                }
                self.finishRun(error: outcome)
            }
            lifecycle.run = Run(input: input, pipeline: runner, outputs: outputs, task: task)
            lifecycle.state = .running
            lifecycle.lastError = nil
        }
    }

    private func finishRun(error: String?) {
        state.withLock { lifecycle in
            guard let run = lifecycle.run else { return }
            lifecycle.finished.add(run.pipeline.metrics(), outputs: run.outputs)
            lifecycle.run = nil
            lifecycle.state = error == nil ? .stopped : .failed
            lifecycle.lastError = error
        }
    }

    /// Stops accepting events and waits until everything accepted has left the pipeline.
    /// Idempotent: stopping a stopped pipeline returns at once.
    func stop() async {
        let task = state.withLock { lifecycle -> Task<Void, Never>? in
            guard let run = lifecycle.run else { return nil }
            if lifecycle.state == .running || lifecycle.state == .starting { lifecycle.state = .draining }
            run.pipeline.stop(.drain)
            return run.task
        }
        await task?.value
    }

    /// Metrics of this pipeline: finished runs plus the current one.
    func metrics() -> PipelineMetrics {
        let (state, run, finished) = self.state.withLock { ($0.state, $0.run, $0.finished) }
        var totals = finished
        if let run { totals.add(run.pipeline.metrics(), outputs: run.outputs) }
        return PipelineMetrics(
            name: definition.name, state: state, ingest: ingest.snapshot(), stages: totals.stages, outputs: totals.outputs,
            queueDepth: run?.input.count ?? 0, queueCapacity: definition.buffer, windows: windows, alerts: alerts
        )
    }
}
