import StreamKit

/// Outcome of ``SeedExamples/basicPipeline(clock:log:)``.
public struct BasicPipelineResult: Sendable, Equatable {
    /// In arrival order, which parallel workers make unpredictable.
    public let outputs: [String]
}

extension SeedExamples {
    /// "Basic Pipeline": double (2 workers), then format (3 workers), between bounded channels;
    /// producer, pipeline and consumer run at the same time (the seed's `asyncio.gather`).
    public static func basicPipeline(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> BasicPipelineResult {
        let inputChannel = Channel<Int>(capacity: 10)
        let outputChannel = Channel<String>(capacity: 10)

        let pipeline = Pipeline.from(inputChannel)
            .via(Stage("double", workers: 2) { (x: Int) in
                try await clock.sleep(for: .milliseconds(100))  // Simulate work
                return x * 2
            })
            .via(Stage("format", workers: 3) { (x: Int) in
                try await clock.sleep(for: .milliseconds(50))  // Different processing time
                return "Processed: \(x)"
            })
            .to(outputChannel)

        @Sendable func producer() async throws {
            for i in 1...10 {
                try await inputChannel.send(i)
                log("📤 Input: \(i)")
            }
            inputChannel.close()
        }

        @Sendable func consumer() async -> [String] {
            var results: [String] = []
            for await result in outputChannel {  // Ends when the pipeline closes its output
                results.append(result)
                log("📥 Output: \(result)")
            }
            log("🎉 Completed! Processed \(results.count) items")
            return results
        }

        async let produced: Void = producer()
        async let ran: Void = pipeline.run()
        async let consumed = consumer()
        let (_, _, outputs) = try await (produced, ran, consumed)
        return BasicPipelineResult(outputs: outputs)
    }
}
