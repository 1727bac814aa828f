import StreamKitTesting

/// The examples of the effectpy guide "Streams & Channels", ported to StreamKit.
///
/// Each example takes its dependencies — a clock for the simulated delays, a random number
/// generator where the seed uses `random`, a log for the printed lines — and returns its outcome,
/// so tests can run it instantly (`ImmediateClock`) and check exactly what happened.
public enum SeedExamples {
    /// The seed every registered example uses, so the command-line output is reproducible.
    /// Chosen so that both the failure/recovery split and the windowing alerts show up.
    public static let seed: UInt64 = 53

    /// Every example in the guide's order, run on the real clock with a fixed seed.
    public static let all: [(name: String, summary: String, run: @Sendable (_ log: @escaping @Sendable (String) -> Void) async throws -> Void)] = [
        ("channel-basics", "Producer and consumer over a bounded channel; closing it ends the consumer", { log in
            _ = try await channelBasics(clock: ContinuousClock(), log: log)
        }),
        ("backpressure", "A fast producer is held back by a 2-slot channel and a slow consumer", { log in
            _ = try await backpressure(clock: ContinuousClock(), log: log)
        }),
        ("stream-basics", "map / filter / map over a range; a cold stream runs twice", { log in
            _ = try await streamBasics(log: log)
        }),
        ("stream-from-channel", "A stream reading a channel: square, keep even, take 5", { log in
            _ = try await streamFromChannel(clock: ContinuousClock(), log: log)
        }),
        ("stream-errors", "ResultStream: failures are values, the stream goes on", { log in
            _ = try await streamWithErrors(log: log)
        }),
        ("error-recovery", "Unreliable network calls, failures mapped and recovered to fallbacks", { log in
            _ = try await streamErrorRecovery(using: SeededGenerator(seed: seed), log: log)
        }),
        ("basic-pipeline", "Two stages with parallel workers between channels", { log in
            _ = try await basicPipeline(clock: ContinuousClock(), log: log)
        }),
        ("pipeline-errors", "Stage failures go to an error channel while the pipeline goes on", { log in
            _ = try await pipelineWithErrors(clock: ContinuousClock(), log: log)
        }),
        ("data-processing", "Parse, validate, enrich and transform web events", { log in
            _ = try await dataProcessingPipeline(clock: ContinuousClock(), log: log)
        }),
        ("windowing", "Sliding-window statistics over metrics, with alerts", { log in
            _ = try await windowedStreamProcessing(clock: ContinuousClock(), using: SeededGenerator(seed: seed), log: log)
        }),
        ("testing", "Testing a ResultStream with controlled data", { log in
            _ = try await testStreamProcessing(log: log)
        }),
        ("best-practices", "Scoped channels, an error channel, and pipeline metrics", { log in
            _ = try await bestPractices(clock: ContinuousClock(), log: log)
        }),
    ]
}
