import StreamKit
import StreamKitExamples
import StreamKitTesting
import Testing

/// The seed guide's examples, each run on `ImmediateClock` (no real sleeping) with seeded
/// randomness, so every outcome can be asserted exactly.
@Suite struct SeedExamplesTests {
    let quiet: @Sendable (String) -> Void = { _ in }

    @Test func channelBasics() async throws {
        let result = try await SeedExamples.channelBasics(clock: ImmediateClock(), log: quiet)
        let messages = (1...5).map { "Message \($0)" }
        #expect(result.sent == messages)
        #expect(result.received == messages)
        #expect(result.endedOnChannelClosed)
    }

    @Test func backpressure() async throws {
        let result = try await SeedExamples.backpressure(clock: ImmediateClock(), log: quiet)
        #expect(result.received == Array(0..<10))
        #expect(result.capacity == 2)
        #expect(result.maxBuffered <= 2)
    }

    @Test func streamBasicsIsColdAndRunsTwice() async throws {
        let result = try await SeedExamples.streamBasics(log: quiet)
        #expect(result.collected == ["Result: 6", "Result: 8", "Result: 10"])
        #expect(result.streamed == ["Result: 6", "Result: 8", "Result: 10"])
    }

    @Test func streamFromChannel() async throws {
        let result = try await SeedExamples.streamFromChannel(clock: ImmediateClock(), log: quiet)
        #expect(result.results == [4, 16, 36, 64, 100])
    }

    @Test func streamWithErrors() async throws {
        let result = try await SeedExamples.streamWithErrors(log: quiet)
        #expect(result.successes == [2, 4, 8, 10, 14, 16])
        #expect(result.failures == ["Error processing 3", "Error processing 6", "Error processing 9"])
    }

    @Test func errorRecovery() async throws {
        let seed = SeedExamples.seed
        let result = try await SeedExamples.streamErrorRecovery(using: SeededGenerator(seed: seed), log: quiet)

        // The example draws one Double in 0..<1 per URL, in order; below 0.4 means a failure.
        var generator = SeededGenerator(seed: seed)
        let urls = (1...7).map { "https://api.example.com/data/\($0)" }
        let fails = urls.map { _ in Double.random(in: 0..<1, using: &generator) < 0.4 }
        let expected: [Result<NetworkResponse, ExampleError>] = zip(urls, fails).map { url, failed in
            .success(failed ? .fallback(error: "Handled: Network error for \(url)") : .ok(url: url))
        }

        #expect(result.results.count == 7)
        #expect(result.results == expected)
        #expect(result.successful.count == fails.filter { !$0 }.count)
        #expect(result.recovered.count == fails.filter { $0 }.count)
        #expect(result.successful.count + result.recovered.count == 7)
        #expect(!result.recovered.isEmpty && !result.successful.isEmpty, "seed should exercise both paths")
        #expect(result.recovered.allSatisfy { $0.url == "fallback" && $0.error?.hasPrefix("Handled: Network error for ") == true })
    }

    @Test func basicPipeline() async throws {
        let result = try await SeedExamples.basicPipeline(clock: ImmediateClock(), log: quiet)
        #expect(result.outputs.count == 10)
        #expect(Set(result.outputs) == Set((1...10).map { "Processed: \($0 * 2)" }))
    }

    @Test func pipelineWithErrors() async throws {
        let result = try await SeedExamples.pipelineWithErrors(clock: ImmediateClock(), log: quiet)
        #expect(result.successes.count == 6)
        #expect(Set(result.successes) == Set([1, 2, 4, 5, 6, 8].map { "Processed: \($0)" }))

        let failures = result.failures
            .map { (stage: $0.stage, input: $0.input as? Int, message: "\($0.error)") }
            .sorted { ($0.input ?? .min) < ($1.input ?? .min) }
        #expect(failures.map(\.stage) == ["validate", "validate", "process", "process"])
        #expect(failures.map(\.input) == [-5, -3, 7, 14])
        #expect(failures.map(\.message) == [
            "Negative number: -5", "Negative number: -3",
            "Cannot process multiple of 7: 7", "Cannot process multiple of 7: 14",
        ])
    }

    @Test func dataProcessingPipeline() async throws {
        let result = try await SeedExamples.dataProcessingPipeline(clock: ImmediateClock(), log: quiet)
        #expect(result.events.count == 5)
        #expect(result.byType == ["click": 2, "purchase": 2, "view": 1])
        #expect(result.segments == ["user1": "premium", "user2": "standard", "user3": "new"])
        #expect(result.events.allSatisfy { $0.enrichedData["processing_pipeline"] == "v1.0" })
        let purchases = result.events.filter { $0.eventType == "purchase" }.compactMap { $0.enrichedData["amount"] }
        #expect(Set(purchases) == [29.99, 15.99])
    }

    @Test func windowedStreamProcessing() async throws {
        let seed = SeedExamples.seed
        let result = try await SeedExamples.windowedStreamProcessing(
            clock: ImmediateClock(), using: SeededGenerator(seed: seed), log: quiet)

        // Regenerate the metrics as the seed does: a value in 10...100, then a source, per metric.
        var generator = SeededGenerator(seed: seed)
        let sources = ["server1", "server2", "server3"]
        let metrics = (0..<50).map { i in
            let value = Double.random(in: 10...100, using: &generator)
            let source = sources.randomElement(using: &generator)!
            return Metric(timestamp: Double(i) * 0.2, value: value, source: source)
        }
        #expect(result.metrics == metrics)

        // Brute force: the window ending at metric i holds the earlier metrics no older than 2 s.
        let expected = metrics.indices.map { i in
            let cutoff = metrics[i].timestamp - 2.0
            let inWindow = metrics[...i].filter { $0.timestamp >= cutoff }
            let values = inWindow.map(\.value)
            return (count: inWindow.count, avg: values.reduce(0, +) / Double(values.count), max: values.max()!)
        }
        #expect(result.windows.count == 50)
        #expect(result.windows.map { $0.count } == expected.map { $0.count })
        #expect(result.windows.map(\.avgValue) == expected.map { $0.avg })
        #expect(result.windows.map(\.maxValue) == expected.map { $0.max })
        #expect(result.windows.map(\.windowEnd) == metrics.map(\.timestamp))

        let alerts = result.windows.filter { $0.avgValue > 75 && $0.count >= 5 }
        #expect(result.alerts == alerts)
        #expect(!alerts.isEmpty, "seed should raise alerts")
    }

    @Test func testingWithControlledData() async throws {
        let result = try await SeedExamples.testStreamProcessing(log: quiet)
        // The seed asserts len(results) == 9 and len(errors) == 3 ("2 negative + 1 zero"); that is
        // wrong for its own data [1, 2, 3, 4, 5, -1, 6, 7, 0, 8, 9, 10]: one negative, one zero.
        #expect(result.results == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0])
        #expect(result.errors == ["Negative number: -1", "Division by zero"])
        #expect(result.results.contains(0.5) && result.results.contains(5.0))
        #expect(result.assertionsPassed)
    }

    @Test func bestPractices() async throws {
        let result = try await SeedExamples.bestPractices(clock: ImmediateClock(), log: quiet)
        #expect(result.scopedValue == "data")
        #expect(result.scopedChannelClosed)
        #expect(result.properUsageValue == "data")
        #expect(result.properUsageClosed)
        #expect(result.bufferCapacities["unlimited_memory_growth"] == .some(nil))
        #expect(result.bufferCapacities["real_time_processing"] == 1)

        #expect(Set(result.successes) == Set([1, 2, 3, 5, 6, 7, 9, 10].map { $0 * 10 }))
        #expect(Set(result.handledErrors) == ["Risky operation failed on 4", "Risky operation failed on 8"])

        let metrics = result.metrics
        #expect(metrics.stages.map(\.name) == ["risky_operation"])
        #expect(metrics.accepted == 10)
        #expect(metrics.delivered == 8)
        #expect(metrics.failed == 2)
        for stage in metrics.stages {
            #expect(stage.received == stage.emitted + stage.filtered + stage.failed + stage.inFlight)
            #expect(stage.inFlight == 0)
        }
    }

    @Test func registryListsEveryExampleInOrder() {
        #expect(SeedExamples.all.map(\.name) == [
            "channel-basics", "backpressure", "stream-basics", "stream-from-channel", "stream-errors",
            "error-recovery", "basic-pipeline", "pipeline-errors", "data-processing", "windowing",
            "testing", "best-practices",
        ])
        #expect(SeedExamples.all.allSatisfy { !$0.summary.isEmpty })
    }
}
