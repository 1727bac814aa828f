public import StreamKit

/// Outcome of ``SeedExamples/pipelineWithErrors(clock:log:)``.
public struct PipelineWithErrorsResult: Sendable {
    public let successes: [String]
    /// Each names the stage that threw and the element it was processing.
    public let failures: [StageFailure]
}

extension SeedExamples {
    /// The input of "Pipeline with Error Handling".
    public static let pipelineTestData = [-5, 1, 2, 7, -3, 4, 14, 5, 6, 8]

    /// "Pipeline with Error Handling": `validate` rejects negatives, `process` fails on multiples
    /// of 7; each failure goes to the error channel and the pipeline carries on.
    public static func pipelineWithErrors(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> PipelineWithErrorsResult {
        let inputChannel = Channel<Int>(capacity: 5)
        let successChannel = Channel<String>(capacity: 5)
        let errorChannel = Channel<StageFailure>(capacity: 5)

        let validateStage = Stage<Int, Int>("validate", workers: 2) { x in
            if x < 0 { throw ExampleError("Negative number: \(x)") }
            return x
        }
        let processStage = Stage<Int, String>("process", workers: 2) { x in
            try await clock.sleep(for: .milliseconds(100))
            if x % 7 == 0 { throw ExampleError("Cannot process multiple of 7: \(x)") }
            return "Processed: \(x)"
        }

        let pipeline = Pipeline.from(inputChannel)
            .via(validateStage)
            .via(processStage)
            .to(successChannel)
            .withErrorChannel(errorChannel)

        @Sendable func producer() async throws {
            for value in pipelineTestData {
                try await inputChannel.send(value)
                log("📤 Sent: \(value)")
            }
            inputChannel.close()
        }

        @Sendable func successConsumer() async -> [String] {
            var successes: [String] = []
            for await result in successChannel {
                successes.append(result)
                log("✅ Success: \(result)")
            }
            log("✅ Success consumer finished: \(successes.count) items")
            return successes
        }

        @Sendable func errorConsumer() async -> [StageFailure] {
            var errors: [StageFailure] = []
            for await error in errorChannel {
                errors.append(error)
                log("❌ Error: \(error)")
            }
            log("❌ Error consumer finished: \(errors.count) errors")
            return errors
        }

        async let produced: Void = producer()
        async let ran: Void = pipeline.run()
        async let successes = successConsumer()
        async let failures = errorConsumer()
        let (_, _, ok, failed) = try await (produced, ran, successes, failures)
        return PipelineWithErrorsResult(successes: ok, failures: failed)
    }
}
