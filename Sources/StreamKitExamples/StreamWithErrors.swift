import StreamKit

/// Outcome of ``SeedExamples/streamWithErrors(log:)``.
public struct StreamWithErrorsResult: Sendable, Equatable {
    public let successes: [Int]
    public let failures: [ExampleError]
}

extension SeedExamples {
    /// "StreamE with Error Handling": an operation that fails on multiples of 3. A failure is a
    /// value in the stream, so the elements after it are still processed.
    public static func streamWithErrors(log: @escaping ExampleLog) async throws -> StreamWithErrorsResult {
        @Sendable func riskyOperation(_ x: Int) -> Result<Int, ExampleError> {
            if x % 3 == 0 { return .failure(ExampleError("Error processing \(x)")) }  // Fail on multiples of 3
            return .success(x * 2)
        }

        let stream = ResultStream<Int, ExampleError>.range(1, 10)  // 1 through 9
        let processed = stream.mapEffect(riskyOperation)

        var successes: [Int] = []
        var failures: [ExampleError] = []
        for try await result in processed {
            switch result {
            case .success(let value):
                successes.append(value)
                log("✅ Success: \(value)")
            case .failure(let error):
                failures.append(error)
                log("❌ Error: \(error)")
            }
        }

        log("\nSummary:")
        log("  Successes: \(plainList(successes))")
        log("  Failures: \(quotedList(failures.map(\.message)))")
        return StreamWithErrorsResult(successes: successes, failures: failures)
    }
}
