import Foundation  // also proves StreamKit and Foundation coexist without qualified names
import StreamKit
import Synchronization
import Testing

struct NotDivisible: Error, CustomStringConvertible {
    let value: Int
    var description: String { "multiple of 7: \(value)" }
}

/// Runs `pipeline` while feeding `values` and draining output and errors; returns both.
func runFeeding<Output: Sendable>(
    _ pipeline: Pipeline<Int, Output>,
    _ values: some Sequence<Int> & Sendable,
    output: Channel<Output>,
    errors: Channel<StageFailure>? = nil
) async throws -> (outputs: [Output], failures: [StageFailure]) {
    try await withThrowingTaskGroup(of: ([Output], [StageFailure]).self) { group in
        group.addTask {
            try await pipeline.run()
            return ([], [])
        }
        group.addTask {
            for value in values { try await pipeline.input.send(value) }
            pipeline.input.close()
            return ([], [])
        }
        group.addTask {
            var outputs: [Output] = []
            for await value in output { outputs.append(value) }
            return (outputs, [])
        }
        if let errors {
            group.addTask {
                var failures: [StageFailure] = []
                for await failure in errors { failures.append(failure) }
                return ([], failures)
            }
        }
        var outputs: [Output] = [], failures: [StageFailure] = []
        for try await (o, f) in group {
            outputs += o
            failures += f
        }
        return (outputs, failures)
    }
}

@Suite struct PipelineTests {
    @Test func stagesTransformAndRunClosesOutputAndErrors() async throws {
        let input = Channel<Int>(capacity: 10)
        let output = Channel<String>(capacity: 10)
        let errors = Channel<StageFailure>(capacity: 10)
        let pipeline = Pipeline.from(input)
            .via(Stage("double", workers: 2) { $0 * 2 })
            .via(Stage("format", workers: 3) { "Processed: \($0)" })
            .to(output)
            .withErrorChannel(errors)
        let (outputs, failures) = try await runFeeding(pipeline, 1...10, output: output, errors: errors)
        #expect(Set(outputs) == Set((1...10).map { "Processed: \($0 * 2)" }))
        #expect(outputs.count == 10 && failures.isEmpty)
        #expect(output.isClosed && errors.isClosed)
    }

    /// A stage that throws on every 7th item delivers the rest and names each failure.
    @Test func failingStageDeliversTheRestAndNamesEachFailure() async throws {
        let output = Channel<Int>(capacity: 16)
        let errors = Channel<StageFailure>(capacity: 4)
        let pipeline = Pipeline.from(Channel<Int>(capacity: 16))
            .via(Stage("check", workers: 3) { value in
                if value % 7 == 0 { throw NotDivisible(value: value) }
                return value
            })
            .to(output)
            .withErrorChannel(errors)
        let (outputs, failures) = try await runFeeding(pipeline, 1...1000, output: output, errors: errors)
        #expect(outputs.sorted() == (1...1000).filter { $0 % 7 != 0 })
        #expect(failures.count == 142)
        #expect(failures.allSatisfy { $0.stage == "check" })
        #expect(Set(failures.compactMap { $0.input as? Int }) == Set((1...1000).filter { $0 % 7 == 0 }))
        #expect(failures.allSatisfy { "\($0.error)" == "multiple of 7: \($0.input)" })
        let metrics = pipeline.metrics().stages[0]
        #expect(metrics.received == 1000 && metrics.emitted == 858 && metrics.failed == 142 && metrics.inFlight == 0)
    }

    @Test func failuresWithoutErrorChannelGoToHandlerAndAreCounted() async throws {
        let seen = Mutex<[String]>([])
        let output = Channel<Int>(capacity: 8)
        let pipeline = Pipeline.from(Channel<Int>(capacity: 8))
            .via(Stage("odd") { value in
                if value % 2 == 0 { throw NotDivisible(value: value) }
                return value
            })
            .to(output)
            .onFailure { failure in seen.withLock { $0.append(failure.stage) } }
        let (outputs, _) = try await runFeeding(pipeline, 1...10, output: output)
        #expect(outputs.sorted() == [1, 3, 5, 7, 9])
        #expect(seen.withLock { $0 } == Array(repeating: "odd", count: 5))
        #expect(pipeline.metrics().failed == 5)
        #expect(pipeline.recentFailures.count == 5)
    }

    @Test func filterStagesCountFiltered() async throws {
        let output = Channel<Int>(capacity: 8)
        let pipeline = Pipeline.from(Channel<Int>(capacity: 8))
            .via(Stage.filter("even") { $0 % 2 == 0 })
            .via(Stage.compactMap("small") { $0 < 50 ? $0 : nil })
            .to(output)
        let (outputs, _) = try await runFeeding(pipeline, 0..<100, output: output)
        #expect(outputs.sorted() == Array(stride(from: 0, to: 50, by: 2)))
        let stages = pipeline.metrics().stages
        #expect(stages[0].filtered == 50 && stages[0].emitted == 50)
        #expect(stages[1].filtered == 25 && stages[1].emitted == 25)
    }

    @Test func orderedStagePreservesInputOrder() async throws {
        let output = Channel<Int>(capacity: 8)
        let pipeline = Pipeline.from(Channel<Int>(capacity: 8))
            .via(Stage("jitter", workers: 4, ordered: true) { value in
                for _ in 0..<(value % 5) * 10 { await Task.yield() }
                return value
            })
            .via(Stage.filter("drop-threes", ordered: true) { $0 % 3 != 0 })
            .to(output)
        let (outputs, _) = try await runFeeding(pipeline, 0..<500, output: output)
        #expect(outputs == (0..<500).filter { $0 % 3 != 0 })
    }

    @Test func emptyPipelineForwards() async throws {
        let output = Channel<Int>(capacity: 4)
        let (outputs, _) = try await runFeeding(Pipeline.from(Channel<Int>(capacity: 4)).to(output), 0..<20, output: output)
        #expect(outputs.sorted() == Array(0..<20))
    }

    @Test func runTwiceIsRefused() async throws {
        let input = Channel<Int>(capacity: 1)
        input.close()
        let pipeline = Pipeline.from(input).via(Stage { $0 })
        try await pipeline.run()
        await #expect(throws: PipelineError.alreadyStarted) { try await pipeline.run() }
    }

    @Test func stopDrainFinishesInFlightWork() async throws {
        let input = Channel<Int>(capacity: 100)
        let output = Channel<Int>(capacity: 200)
        for value in 0..<100 { try await input.send(value) }
        let pipeline = Pipeline.from(input).via(Stage(workers: 2) { $0 + 1 }).to(output)
        pipeline.stop(.drain)
        try await pipeline.run()
        var outputs: [Int] = []
        for await value in output { outputs.append(value) }
        #expect(outputs.sorted() == Array(1...100), "drain must finish everything already accepted")
        await #expect(throws: ChannelClosed.self) { try await input.send(1) }
    }

    @Test func stopImmediateCancelsWorkers() async throws {
        let input = Channel<Int>(capacity: 10)
        let started = Atomic(0)
        let pipeline = Pipeline.from(input)
            .via(Stage(workers: 2) { (value: Int) async throws -> Int in
                started.add(1, ordering: .relaxed)
                try await Task.sleep(for: .seconds(60))  // only cancellation ends this
                return value
            })
        let run = Task { try await pipeline.run() }
        for value in 0..<5 { try await input.send(value) }
        while started.load(ordering: .relaxed) < 2 { await Task.yield() }
        pipeline.stop(.immediate)
        try await run.value
        let stage = pipeline.metrics().stages[0]
        #expect(stage.liveWorkers == 0)
        #expect(stage.received == stage.emitted + stage.filtered + stage.failed + stage.inFlight)
    }

    /// Cancelling the task running `run()` cancels every worker; none outlives it.
    @Test func cancellingRunLeavesNoTaskBehind() async throws {
        let alive = Atomic(0)
        let input = Channel<Int>(capacity: 10)
        let pipeline = Pipeline.from(input)
            .via(Stage("a", workers: 3) { (value: Int) async throws -> Int in
                alive.add(1, ordering: .relaxed)
                defer { alive.subtract(1, ordering: .relaxed) }
                try await Task.sleep(for: .seconds(60))
                return value
            })
            .via(Stage("b", workers: 2) { $0 })
        let run = Task { try await pipeline.run() }
        for value in 0..<3 { try await input.send(value) }
        while alive.load(ordering: .relaxed) < 3 { await Task.yield() }
        run.cancel()
        _ = try? await run.value
        let aliveNow = alive.load(ordering: .relaxed)
        #expect(aliveNow == 0)
        #expect(pipeline.metrics().stages.allSatisfy { $0.liveWorkers == 0 })
    }

    @Test func closingOutputUnderARunningPipelineEndsIt() async throws {
        let input = Channel<Int>(capacity: 10)
        let output = Channel<Int>(capacity: 1)
        let pipeline = Pipeline.from(input).via(Stage("s") { $0 }).to(output)
        let run = Task { try await pipeline.run() }
        output.close()
        try await input.send(1)
        await #expect(throws: PipelineError.downstreamClosed(stage: "s")) { try await run.value }
    }

    /// Counts conserve under load: for every stage, received == emitted + filtered + failed (+ in
    /// flight, zero at the end), and each stage receives what the previous one emitted.
    @Test func countsConserveUnderStress() async throws {
        let output = Channel<Int>(capacity: 64)
        let errors = Channel<StageFailure>(capacity: 64)
        let pipeline = Pipeline.from(Channel<Int>(capacity: 64))
            .via(Stage.filter("f", workers: 3, capacity: 32) { $0 % 5 != 0 })
            .via(Stage("m", workers: 4, capacity: 16) { value in
                if value % 11 == 0 { throw NotDivisible(value: value) }
                return value * 2
            })
            .via(Stage("o", workers: 2, capacity: 8, ordered: true) { $0 })
            .to(output)
            .withErrorChannel(errors)
        let total = 200_000
        let observed = Task {
            // Read metrics while running: the invariant must hold at every instant.
            var snapshots = 0
            while !output.isClosed {
                for stage in pipeline.metrics().stages {
                    #expect(stage.inFlight >= 0)
                    #expect(stage.received == stage.emitted + stage.filtered + stage.failed + stage.inFlight)
                }
                snapshots += 1
                await Task.yield()
            }
            return snapshots
        }
        let (outputs, failures) = try await runFeeding(pipeline, 0..<total, output: output, errors: errors)
        _ = await observed.value
        let expected = (0..<total).filter { $0 % 5 != 0 }
        #expect(outputs.count == expected.filter { $0 % 11 != 0 }.count)
        #expect(failures.count == expected.filter { $0 % 11 == 0 }.count)
        let stages = pipeline.metrics().stages
        #expect(stages[0].received == total)
        for (upstream, downstream) in zip(stages, stages.dropFirst()) {
            #expect(downstream.received == upstream.emitted)
        }
        for stage in stages {
            #expect(stage.inFlight == 0 && stage.liveWorkers == 0)
            #expect(stage.received == stage.emitted + stage.filtered + stage.failed)
        }
    }

    @Test func metricsSnapshotIsCodableWithSnakeCaseKeys() async throws {
        let output = Channel<Int>(capacity: 8)
        let pipeline = Pipeline.from(Channel<Int>(capacity: 8)).via(Stage("x", workers: 2, capacity: 8) { $0 }).to(output)
        _ = try await runFeeding(pipeline, 0..<10, output: output)
        let snapshot = pipeline.metrics()
        let stage = snapshot.stages[0]
        #expect(stage.workers == 2 && stage.queueCapacity == 8 && stage.received == 10)
        #expect(stage.latencyMs.max >= stage.latencyMs.p50 && stage.latencyMs.p99 >= stage.latencyMs.p50)
        let json = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        for key in ["in_flight", "queue_depth", "queue_capacity", "rate_1s", "rate_1m", "latency_ms", "backpressure_ms"] {
            #expect(json.contains("\"\(key)\""), "missing \(key) in \(json)")
        }
    }

    @Test func backpressureTimeIsMeasured() async throws {
        let input = Channel<Int>(capacity: 32)
        let output = Channel<Int>(capacity: 1)
        for value in 0..<20 { try await input.send(value) }
        input.close()
        let pipeline = Pipeline.from(input).via(Stage("s") { $0 }).to(output)
        let run = Task { try await pipeline.run() }
        // Nobody reads `output` for a while: the stage waits for room.
        try await Task.sleep(for: .milliseconds(20))
        var received: [Int] = []
        for await value in output { received.append(value) }
        try await run.value
        #expect(received.sorted() == Array(0..<20))
        #expect(pipeline.metrics().stages[0].backpressureMs >= 5)
    }

    /// A stream of the seed's name next to Foundation's `Stream` class: both usable unqualified.
    @Test func foundationStreamDoesNotClash() async throws {
        let foundationStream: Stream? = InputStream(data: Data())
        #expect(foundationStream != nil)
        #expect(try await DataStream<Int>.range(0, 3).collect() == [0, 1, 2])
    }
}
