import Logging
package import StreamKit
import Synchronization

/// A pipeline's lifecycle state, as the API reports it.
package enum PipelineState: String, Sendable {
    case stopped, starting, running, draining, failed
}

/// One named pipeline while the daemon lives: its definition, state and — while running — the
/// StreamKit pipeline, its input channel and its outputs.
///
/// HTTP handlers only ask it questions and call `start`/`stop`; the tasks are its own. Counters,
/// the memory output and the recent errors outlive restarts, so they only grow while the process
/// lives.
package final class PipelineRuntime: Sendable {
    package let definition: PipelineDefinition
    package let ingest = IngestCounters()
    package let errors: FailureLog
    /// The first memory output (kept across restarts), read by `GET .../output`.
    package let memory: MemoryOutput?
    /// Window and alert stages, by stage name: they outlive runs (counters, alert state).
    package let windows: [WindowMonitor]
    package let alerts: [AlertMonitor]
    private let resources: StageResources
    /// Output sinks that outlive runs (the memory output), by output position.
    private let retainedSinks: RetainedSinks
    private let context: EvaluationContext
    private let state = Locked(Lifecycle())
    private static let logger = Logger(label: "streamd.pipeline")

    private struct Lifecycle {
        var state = PipelineState.stopped
        var run: Run?
        /// Stage and output counters of finished runs, added to the current run's.
        var finished = RuntimeTotals()
        var lastError: String?
        /// Set by a stop that gave up and cancelled the run: the run's last error.
        var abandoned: String?
        /// The current run's drain, shared by every stop that waits for it: one deadline (the
        /// first stop's) and one report of what was not delivered, however many callers.
        var drain: Task<Bool, Never>?
    }

    /// One start-to-stop run.
    private struct Run: Sendable {
        let input: Channel<Event>
        let results: Channel<Event>
        let pipeline: Pipeline<Event, Event>
        let outputs: [OutputRunner]
        let task: Task<Void, Never>
    }

    package init(definition: PipelineDefinition, context: EvaluationContext, alerts center: AlertCenter? = nil, windowClock: WindowClock = .system) {
        self.definition = definition
        self.context = context
        self.errors = FailureLog(capacity: 1000)
        var resources = StageResources(center: center, failures: errors, clock: windowClock)
        for stage in definition.stages {
            stage.kind.prepare(stage.settings(pipeline: definition.name), resources: &resources)
        }
        self.resources = resources
        let order = definition.stages.map(\.name)
        windows = order.compactMap { resources.windows[$0] }
        alerts = order.compactMap { resources.alerts[$0] }
        let retainedSinks = RetainedSinks()
        self.retainedSinks = retainedSinks
        if let index = definition.outputs.firstIndex(where: { $0 is MemoryOutputKind }), let kind = definition.outputs[index] as? MemoryOutputKind {
            memory = retainedSinks.sink(at: index) { MemoryOutput(capacity: kind.capacity) }
        } else {
            memory = nil
        }
    }

    package var currentState: PipelineState { state.withLock { $0.state } }
    package var lastError: String? { state.withLock { $0.lastError } }

    /// The input channel while the pipeline accepts events.
    package var input: Channel<Event>? {
        state.withLock { $0.state == .running ? $0.run?.input : nil }
    }

    /// Starts the pipeline if it is stopped or failed; does nothing otherwise. Never waits: each
    /// output is opened by its own task, in the background, and retried until it opens.
    package func start() {
        let definition = definition
        let name = definition.name
        state.withLock { lifecycle in
            guard lifecycle.state == .stopped || lifecycle.state == .failed else { return }
            let outputs: [OutputRunner] = definition.outputs.enumerated().map { index, output in
                let counters = OutputCounters()
                let context = OutputContext(pipeline: name, counters: counters, retainedSinks: retainedSinks, index: index)
                return OutputRunner(sink: output.makeSink(context), counters: counters)
            }
            let input = Channel<Event>(capacity: definition.buffer)
            let results = Channel<Event>(capacity: 1024)
            let stageContext = StageContext(evaluation: context, resources: resources)
            var pipeline = Pipeline.from(input)
            for stage in definition.stages {
                pipeline = stage.kind.append(to: pipeline, stage.settings(pipeline: name), context: stageContext)
            }
            let errors = errors
            pipeline = pipeline.to(results).onFailure { errors.record($0) }
            let runner = pipeline
            let inlet = PipelineInlet(channel: input, pipeline: name)
            let inputs = definition.inputs
            let task = Task {
                let outcome: String?
                do {
                    try await Self.run(runner, outputs: outputs, results: results, inputs: inputs, inlet: inlet)
                    outcome = nil
                } catch {
                    outcome = "\(error)"
                }
                self.finishRun(error: outcome)
            }
            lifecycle.run = Run(input: input, results: results, pipeline: runner, outputs: outputs, task: task)
            lifecycle.state = .running
            lifecycle.lastError = nil
        }
    }

    /// One run: the stages and the outputs until they drain, and the inputs (besides HTTP ingest)
    /// feeding them meanwhile. An input that fails drains the pipeline, which then fails with
    /// the input's error; when the stages have drained, inputs still running are cancelled.
    private static func run(
        _ pipeline: Pipeline<Event, Event>, outputs: [OutputRunner], results: Channel<Event>, inputs: [any InputKind], inlet: PipelineInlet
    ) async throws {
        enum Part: Sendable { case stages, input(failure: String?) }
        var inputFailure: String?
        try await withThrowingTaskGroup(of: Part.self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { stages in
                    stages.addTask { try await pipeline.run() }
                    stages.addTask { await OutputRunner.fanOut(results, to: outputs) }
                    try await stages.waitForAll()
                }
                return .stages
            }
            for input in inputs {
                group.addTask {
                    do {
                        try await input.run(inlet)
                    } catch is ChannelClosed {
                        // The pipeline stopped accepting events: the input's work is done.
                    } catch {
                        if !Task.isCancelled { return .input(failure: "input \(type(of: input).name): \(error)") }
                    }
                    return .input(failure: nil)
                }
            }
            while let part = try await group.next() {
                switch part {
                case .stages: group.cancelAll()
                case .input(let failure?):
                    if inputFailure == nil { inputFailure = failure }
                    pipeline.stop(.drain)
                case .input(failure: nil): break
                }
            }
        }
        if let inputFailure { throw StageError(inputFailure) }
    }

    private func finishRun(error: String?) {
        state.withLock { lifecycle in
            guard let run = lifecycle.run else { return }
            lifecycle.finished.add(run.pipeline.metrics(), outputs: run.outputs)
            lifecycle.run = nil
            lifecycle.drain = nil
            if let abandoned = lifecycle.abandoned {
                // A stop that gave up cancelled the run: it stopped, with what it left behind.
                lifecycle.state = .stopped
                lifecycle.lastError = abandoned
                lifecycle.abandoned = nil
            } else {
                lifecycle.state = error == nil ? .stopped : .failed
                lifecycle.lastError = error
            }
        }
    }

    /// Stops accepting events and waits until everything accepted has left the pipeline, for at
    /// most `timeout` (`shutdown_timeout`): an output that stays unwritable cannot hold a stop,
    /// a reload or the daemon's exit for longer. Then the run is cancelled and what it did not
    /// deliver is logged, per output and for the stages. `true` when everything was delivered.
    /// Idempotent: stopping a stopped pipeline returns at once; a stop while another one drains
    /// waits for that drain (and its deadline).
    @discardableResult
    package func stop(within timeout: Duration = DaemonConfig().shutdownTimeout) async -> Bool {
        let drain = state.withLock { lifecycle -> Task<Bool, Never>? in
            guard let run = lifecycle.run else { return nil }
            if let drain = lifecycle.drain { return drain }
            if lifecycle.state == .running || lifecycle.state == .starting { lifecycle.state = .draining }
            run.pipeline.stop(.drain)
            let drain = Task { await self.drain(run, within: timeout) }
            lifecycle.drain = drain
            return drain
        }
        return await drain?.value ?? true
    }

    /// Waits for `run` to end, for at most `timeout`; then cancels it and logs what it left.
    private func drain(_ run: Run, within timeout: Duration) async -> Bool {
        let task = run.task
        if await Deadline.within(timeout, { await task.value }) { return true }
        let gaveUp = state.withLock { lifecycle -> Bool in
            // The run may have ended at the deadline, delivering everything.
            guard lifecycle.run?.task == task else { return false }
            lifecycle.abandoned = "stopped after \(timeout.seconds.formatted)s before it drained; the log says what was not delivered"
            return true
        }
        guard gaveUp else { return true }
        run.pipeline.stop(.immediate)
        task.cancel()
        await task.value
        logUndelivered(run, after: timeout)
        return false
    }

    /// After a stop that gave up: the events each output did not write and those still in the
    /// stages (they never reached the outputs).
    private func logUndelivered(_ run: Run, after timeout: Duration) {
        let name = definition.name
        for output in run.outputs {
            let count = output.counters.undelivered.load(ordering: .relaxed)
            guard count > 0 else { continue }
            let reason = output.sink.reportedStatus?.reason.map { "not writable: \($0)" } ?? "still writing"
            Self.logger.error("output \(output.sink.label) did not deliver \(count) \(count == 1 ? "event" : "events"): the stop gave up after \(timeout.seconds.formatted)s (\(reason))", metadata: [
                "pipeline": "\(name)", "output": "\(output.sink.label)", "undelivered": "\(count)",
            ])
        }
        let inside = run.input.count + run.pipeline.metrics().inFlight + run.results.count
        if inside > 0 {
            Self.logger.error("pipeline \(name) dropped \(inside) \(inside == 1 ? "event" : "events") still in its stages: the stop gave up after \(timeout.seconds.formatted)s", metadata: [
                "pipeline": "\(name)", "undelivered": "\(inside)",
            ])
        }
    }

    /// Metrics of this pipeline: finished runs plus the current one.
    package func metrics() -> PipelineMetrics {
        let (state, run, finished) = self.state.withLock { ($0.state, $0.run, $0.finished) }
        var totals = finished
        if let run { totals.add(run.pipeline.metrics(), outputs: run.outputs) }
        return PipelineMetrics(
            name: definition.name, state: state, ingest: ingest.snapshot(), stages: totals.stages, outputs: totals.outputs,
            queueDepth: run?.input.count ?? 0, queueCapacity: definition.buffer, windows: windows, alerts: alerts
        )
    }
}
