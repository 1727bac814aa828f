import StreamKit

/// Outcome of ``SeedExamples/testStreamProcessing(log:)``.
public struct TestingStreamsResult: Sendable, Equatable {
    public let results: [Double]
    public let errors: [ExampleError]
    /// Whether the example's own assertions held.
    public let assertionsPassed: Bool
}

extension SeedExamples {
    /// The test data of "Testing with Controlled Data".
    public static let testNumbers = [1, 2, 3, 4, 5, -1, 6, 7, 0, 8, 9, 10]

    /// "Testing with Controlled Data": known input through a ResultStream, then assertions.
    ///
    /// The seed asserts `len(results) == 9` and `len(errors) == 3` ("2 negative + 1 zero"), but
    /// its data has one negative number and one zero: the correct outcome is 10 results and
    /// 2 errors, which is what this port asserts.
    public static func testStreamProcessing(log: @escaping ExampleLog) async throws -> TestingStreamsResult {
        @Sendable func safeDivideByTwo(_ x: Int) -> Result<Double, ExampleError> {
            if x == 0 { return .failure("Division by zero") }
            if x < 0 { return .failure(ExampleError("Negative number: \(x)")) }
            return .success(Double(x) / 2.0)
        }

        let stream: ResultStream<Double, ExampleError> = ResultStream<Int, ExampleError>.from(testNumbers)
            .mapEffect(safeDivideByTwo)
            .map { ($0 * 10).rounded() / 10 }  // Round to 1 decimal

        var results: [Double] = []
        var errors: [ExampleError] = []
        for try await result in stream {
            switch result {
            case .success(let value): results.append(value)
            case .failure(let error): errors.append(error)
            }
        }

        log("✅ Successful results: \(plainList(results))")
        log("❌ Errors: \(quotedList(errors.map(\.message)))")

        // The seed's `len(results) == 9` / `len(errors) == 3` are wrong for its own data (see above).
        let checks = [
            ("len(results) == 10", results.count == 10),  // 12 inputs - 2 errors
            ("len(errors) == 2", errors.count == 2),  // 1 negative + 1 zero
            ("0.5 in results", results.contains(0.5)),  // 1/2
            ("5.0 in results", results.contains(5.0)),  // 10/2
        ]
        let failed = checks.filter { !$0.1 }.map(\.0)
        if failed.isEmpty {
            log("🧪 All tests passed!")
        } else {
            log("💥 Failed assertions: \(failed.joined(separator: ", "))")
        }
        return TestingStreamsResult(results: results, errors: errors, assertionsPassed: failed.isEmpty)
    }
}
