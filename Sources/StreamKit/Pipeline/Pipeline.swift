import Synchronization

/// A chain of stages from an input channel to an output channel, each stage with its own bounded
/// buffer and parallel workers, failures going to an error channel instead of ending the run.
///
/// ```swift
/// let pipeline = Pipeline.from(input)
///     .via(Stage("double", workers: 2) { $0 * 2 })
///     .via(Stage("format", workers: 3) { "Processed: \($0)" })
///     .to(output)
///     .withErrorChannel(errors)
/// try await pipeline.run()   // returns once `input` is closed and everything has left
/// ```
///
/// ``run()`` returns when the input is closed and every element has left the pipeline, and then
/// closes the output and the error channel. Every task it starts ends before it returns.
public final class Pipeline<Input: Sendable, Output: Sendable>: Sendable {
    /// How the stages are wired, given the channel the last one writes to.
    @usableFromInline
    enum Assembly: Sendable {
        /// No stage yet: the input flows straight through (`Output == Input`).
        case source(Channel<Output>)
        case stages(count: Int, @Sendable (Channel<Output>) -> [StageRunning])
    }

    public let input: Channel<Input>
    @usableFromInline let assembly: Assembly
    @usableFromInline let outputChannel: Channel<Output>?
    @usableFromInline let errorChannel: Channel<StageFailure>?
    @usableFromInline let failureHandler: (@Sendable (StageFailure) -> Void)?
    private let runtime = Locked(Runtime())

    private struct Runtime {
        var started = false
        var stages: [StageMetrics] = []
        var failures: FailureSink?
        var stopImmediately: Channel<Void>?
        var stopRequestedBeforeStart = false
    }

    @usableFromInline
    init(
        input: Channel<Input>,
        assembly: Assembly,
        output: Channel<Output>?,
        errors: Channel<StageFailure>?,
        failureHandler: (@Sendable (StageFailure) -> Void)?
    ) {
        self.input = input
        self.assembly = assembly
        self.outputChannel = output
        self.errorChannel = errors
        self.failureHandler = failureHandler
    }

    @usableFromInline var stageCount: Int {
        if case .stages(let count, _) = assembly { count } else { 0 }
    }
}

// MARK: - Building

extension Pipeline where Input == Output {
    /// A pipeline reading `channel` (the seed's `Pipeline.from_channel`).
    public static func from(_ channel: Channel<Input>) -> Pipeline {
        Pipeline(input: channel, assembly: .source(channel), output: nil, errors: nil, failureHandler: nil)
    }
}

extension Pipeline {
    /// Appends a stage.
    @inlinable
    public func via<Next: Sendable>(_ stage: Stage<Output, Next>) -> Pipeline<Input, Next> {
        appending(name: stage.name, capacity: stage.capacity) { name, input, output in
            StageRunning(StageRunner(stage: stage, name: name, input: input, output: output))
        }
    }

    /// Appends a stage whose runner `makeRunner` builds from its name, its input (the pipeline's
    /// input for the first stage, else a new buffer of `capacity`) and its output. Inlinable,
    /// so each runner is built where the element types are concrete.
    @inlinable
    func appending<Next: Sendable>(
        name: String?,
        capacity: Int,
        _ makeRunner: @escaping @Sendable (_ name: String, _ input: Channel<Output>, _ output: Channel<Next>) -> StageRunning
    ) -> Pipeline<Input, Next> {
        let index = stageCount + 1
        let name = name ?? "stage-\(index)"
        let assembly = self.assembly
        return Pipeline<Input, Next>(
            input: input,
            assembly: .stages(count: index) { sink in
                switch assembly {
                case .source(let source):
                    return [makeRunner(name, source, sink)]
                case .stages(_, let upstream):
                    let buffer = Channel<Output>(capacity: capacity)
                    return upstream(buffer) + [makeRunner(name, buffer, sink)]
                }
            },
            output: nil,
            errors: errorChannel,
            failureHandler: failureHandler
        )
    }

    /// Where the last stage's results go (the seed's `to_channel`). Closed when the run ends.
    public func to(_ channel: Channel<Output>) -> Pipeline {
        Pipeline(input: input, assembly: assembly, output: channel, errors: errorChannel, failureHandler: failureHandler)
    }

    /// Where ``StageFailure``s go (the seed's `with_error_channel`). Closed when the run ends.
    /// Stages wait for room in it, so a failure is never dropped: keep it drained.
    public func withErrorChannel(_ channel: Channel<StageFailure>) -> Pipeline {
        Pipeline(input: input, assembly: assembly, output: outputChannel, errors: channel, failureHandler: failureHandler)
    }

    /// Called with each failure when there is no error channel (the default writes one line to
    /// standard error). Failures are counted in the metrics either way.
    public func onFailure(_ handler: @escaping @Sendable (StageFailure) -> Void) -> Pipeline {
        Pipeline(input: input, assembly: assembly, output: outputChannel, errors: errorChannel, failureHandler: handler)
    }
}

// MARK: - Running

/// How ``Pipeline/stop(_:)`` ends a run.
public enum PipelineStopMode: Sendable {
    /// Close the input and let every buffered and in-flight element finish.
    case drain
    /// Cancel the workers now; buffered and in-flight elements are abandoned (and stay visible as
    /// `inFlight` and queue depth in the metrics).
    case immediate
}

extension Pipeline {
    /// Runs the pipeline until its input is closed and drained (or ``stop(_:)``), then closes the
    /// output and error channels. Can be called once.
    ///
    /// - Throws: ``PipelineError`` if the pipeline was already started or its output was closed
    ///   under it; `CancellationError` if the calling task is cancelled (all workers are cancelled
    ///   with it). Stage failures never end the run.
    public func run() async throws {
        let output = outputChannel ?? Channel<Output>.unbounded()
        let runners: [StageRunning]
        switch assembly {
        case .source(let source):
            runners = [StageRunning(StageRunner(stage: Stage<Output, Output>("forward") { $0 }, name: "forward", input: source, output: output))]
        case .stages(_, let assemble):
            runners = assemble(output)
        }
        let failures = FailureSink(channel: errorChannel, handler: failureHandler, recentLimit: 100)
        let stopImmediately = Channel<Void>(capacity: 1)
        let stoppedEarly = try runtime.withLock { state in
            guard !state.started else { throw PipelineError.alreadyStarted }
            state.started = true
            state.stages = runners.map(\.metrics)
            state.failures = failures
            state.stopImmediately = stopImmediately
            return state.stopRequestedBeforeStart
        }
        defer {
            output.close()
            errorChannel?.close()
        }
        if stoppedEarly { return }

        let metrics = runners.map(\.metrics)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { stages in
                    for runner in runners { stages.addTask { try await runner.run(failures) } }
                    try await stages.waitForAll()
                }
                return true
            }
            group.addTask {
                do { try await stopImmediately.receive() } catch { return false }
                return true
            }
            group.addTask {
                let clock = ContinuousClock()
                let start = clock.now
                while !Task.isCancelled {
                    let seconds = Self.seconds(clock.now - start)
                    for stage in metrics { stage.sampleRates(at: seconds) }
                    try? await clock.sleep(for: .seconds(1))
                }
                return false
            }
            while let finished = try await group.next() {
                if finished { break }
            }
            group.cancelAll()
        }
    }

    /// Stops the run: `.drain` closes the input so everything already in finishes; `.immediate`
    /// cancels the workers. Safe to call at any time, more than once, from any task.
    public func stop(_ mode: PipelineStopMode = .drain) {
        switch mode {
        case .drain:
            input.close()
        case .immediate:
            let channel = runtime.withLock { state -> Channel<Void>? in
                if !state.started { state.stopRequestedBeforeStart = true }
                return state.stopImmediately
            }
            _ = channel?.trySend(())
        }
    }

    /// Per-stage metrics, in stage order (empty before ``run()`` starts).
    public func metrics() -> PipelineMetricsSnapshot {
        let stages = runtime.withLock { $0.stages }
        return PipelineMetricsSnapshot(stages: stages.map { $0.snapshot() })
    }

    /// The latest failures (up to 100), oldest first, whether or not an error channel is set.
    public var recentFailures: [StageFailure] {
        runtime.withLock { $0.failures }?.recentFailures ?? []
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
