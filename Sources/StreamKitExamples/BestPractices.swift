public import StreamKit

/// Outcome of ``SeedExamples/bestPractices(clock:log:)``.
public struct BestPracticesResult: Sendable {
    /// Capacities of the "good" buffer-size channels (`nil` is unbounded).
    public let bufferCapacities: [String: Int?]
    /// What `proper_channel_usage` received, and whether its channel was closed afterwards.
    public let properUsageValue: String
    public let properUsageClosed: Bool
    /// What `context_manager_usage` (here ``withChannel(of:capacity:_:)``) returned, and whether
    /// the scoped channel was closed afterwards.
    public let scopedValue: String
    public let scopedChannelClosed: Bool
    /// Outputs of the robust pipeline, and the failures its error handler logged.
    public let successes: [Int]
    public let handledErrors: [String]
    /// The pipeline's built-in metrics after its run (replaces the seed's `PipelineMonitor`).
    public let metrics: PipelineMetricsSnapshot
}

extension SeedExamples {
    /// "Best Practices": buffer sizes, channel cleanup, an error channel, and monitoring.
    public static func bestPractices(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> BestPracticesResult {
        // 1. Use appropriate buffer sizes. An unbounded channel must be asked for by name;
        //    there is no "maxsize=-1".
        let buffers: [(String, Channel<Int>)] = [
            ("fast_producer_slow_consumer", Channel(capacity: 100)),
            ("balanced_processing", Channel(capacity: 10)),
            ("real_time_processing", Channel(capacity: 1)),
            ("unlimited_memory_growth", Channel.unbounded()),
        ]
        for (name, channel) in buffers {
            log("📦 \(name): capacity \(channel.capacity.map(String.init) ?? "unbounded (memory risk)")")
        }

        // 2. Handle resource cleanup: `defer` is the seed's try/finally …
        let proper = Channel<String>(capacity: 5)
        let properValue = try await {
            defer { proper.close() }  // Always cleanup
            try await proper.send("data")
            return try await proper.receive()
        }()
        log("🧹 try/finally usage received '\(properValue)', channel closed: \(proper.isClosed)")

        // … and `withChannel` is its `channel_context`: the channel is closed on every exit path.
        var scoped: Channel<String>?
        let scopedValue = try await withChannel(of: String.self, capacity: 5) { channel in
            scoped = channel
            try await channel.send("data")
            return try await channel.receive()
        }
        let scopedClosed = scoped?.isClosed ?? false
        log("🧹 withChannel returned '\(scopedValue)', channel closed: \(scopedClosed)")

        // 3. Design for error recovery: failures go to their own channel, handled on the side.
        let robust = try await robustPipeline(clock: clock, log: log)

        // 4. Monitor pipeline performance with the pipeline's own metrics.
        for stage in robust.metrics.stages {
            log("📈 \(stage.name): received=\(stage.received) emitted=\(stage.emitted) "
                + "failed=\(stage.failed) in_flight=\(stage.inFlight) p50=\(fixed(stage.latencyMs.p50, digits: 2))ms")
        }
        let seconds = Double(robust.elapsed.components.seconds) + Double(robust.elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(robust.metrics.delivered) / seconds : 0
        log("📈 processed=\(robust.metrics.delivered) errors=\(robust.metrics.failed) rate=\(fixed(rate))/s")

        return BestPracticesResult(
            bufferCapacities: Dictionary(uniqueKeysWithValues: buffers.map { ($0.0, $0.1.capacity) }),
            properUsageValue: properValue,
            properUsageClosed: proper.isClosed,
            scopedValue: scopedValue,
            scopedChannelClosed: scopedClosed,
            successes: robust.successes,
            handledErrors: robust.errors,
            metrics: robust.metrics
        )
    }

    /// The seed's `robust_pipeline`: a risky stage (fails on multiples of 4) with an error channel
    /// drained by a handler, fed 1...10.
    static func robustPipeline(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> (successes: [Int], errors: [String], metrics: PipelineMetricsSnapshot, elapsed: Duration) {
        let start = clock.now
        let inputChannel = Channel<Int>(capacity: 10)
        let successChannel = Channel<Int>(capacity: 10)
        let errorChannel = Channel<StageFailure>(capacity: 10)

        let pipeline = Pipeline.from(inputChannel)
            .via(Stage<Int, Int>("risky_operation", workers: 2) { x in
                try await clock.sleep(for: .milliseconds(20))
                if x % 4 == 0 { throw ExampleError("Risky operation failed on \(x)") }
                return x * 10
            })
            .to(successChannel)
            .withErrorChannel(errorChannel)  // Separate error handling

        @Sendable func producer() async throws {
            try await inputChannel.send(contentsOf: 1...10)
            inputChannel.close()
        }
        @Sendable func collectSuccesses() async -> [Int] {
            await successChannel.reduce(into: []) { $0.append($1) }
        }
        @Sendable func handleErrors() async -> [String] {
            var handled: [String] = []
            for await failure in errorChannel {
                // Log, retry, or handle error appropriately
                log("⚠️ Pipeline error: \(failure)")
                handled.append("\(failure.error)")
            }
            return handled
        }

        async let produced: Void = producer()
        async let ran: Void = pipeline.run()
        async let successes = collectSuccesses()
        async let errors = handleErrors()
        let (_, _, ok, failed) = try await (produced, ran, successes, errors)
        return (ok, failed, pipeline.metrics(), start.duration(to: clock.now))
    }
}
