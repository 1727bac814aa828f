import StreamKit

/// The seed's response dict: `{"url", "status": 200, "data"}` for a call that worked,
/// `{"url": "fallback", "error"}` for one recovered from a failure.
public struct NetworkResponse: Sendable, Equatable, CustomStringConvertible {
    public let url: String
    public let status: Int?
    public let data: String?
    public let error: String?

    public static func ok(url: String) -> NetworkResponse {
        NetworkResponse(url: url, status: 200, data: "Content from \(url)", error: nil)
    }

    public static func fallback(error: String) -> NetworkResponse {
        NetworkResponse(url: "fallback", status: nil, data: nil, error: error)
    }

    public var description: String {
        var pairs = [("url", "'\(url)'")]
        if let status { pairs.append(("status", "\(status)")) }
        if let data { pairs.append(("data", "'\(data)'")) }
        if let error { pairs.append(("error", "'\(error)'")) }
        return dictText(pairs)
    }
}

/// Outcome of ``SeedExamples/streamErrorRecovery(using:log:)``.
public struct StreamErrorRecoveryResult: Sendable, Equatable {
    /// One per URL, in order; after `recover` every one is a success.
    public let results: [Result<NetworkResponse, ExampleError>]
    /// Responses with status 200.
    public let successful: [NetworkResponse]
    /// Fallbacks carrying the handled error.
    public let recovered: [NetworkResponse]
}

extension SeedExamples {
    /// The URLs the error-recovery example calls, in order.
    public static let recoveryURLs = (1..<8).map { "https://api.example.com/data/\($0)" }

    /// "Error Recovery in Streams": each call fails with probability 0.4 (one
    /// `Double.random(in: 0..<1)` draw per URL, in order); failures are reworded with `mapError`
    /// and turned into fallback values with `recover`.
    public static func streamErrorRecovery(
        using generator: some RandomNumberGenerator & Sendable,
        log: @escaping ExampleLog
    ) async throws -> StreamErrorRecoveryResult {
        // The effect runs in a @Sendable closure, so the generator is shared behind a lock.
        let random = Locked(generator)
        let unreliableNetworkCall: @Sendable (String) async -> Result<NetworkResponse, ExampleError> = { url in
            let draw = random.withLock { Double.random(in: 0..<1, using: &$0) }
            if draw < 0.4 { return .failure(ExampleError("Network error for \(url)")) }  // 40% failure rate
            return .success(.ok(url: url))
        }

        let stream = ResultStream<String, ExampleError>.from(recoveryURLs)
            .mapEffect(unreliableNetworkCall)
            .mapError { ExampleError("Handled: \($0.message)") }  // Transform errors
            .recover { .success(.fallback(error: $0.message)) }  // Provide fallback

        var results: [Result<NetworkResponse, ExampleError>] = []
        for try await result in stream {
            results.append(result)
            switch result {
            case .success(let response): log("🔄 Result: Ok(\(response))")
            case .failure(let error): log("🔄 Result: Err('\(error)')")
            }
        }

        let values = results.compactMap { try? $0.get() }
        let successful = values.filter { $0.status == 200 }
        let recovered = values.filter { $0.error != nil }
        log("\n📊 Analysis:")
        log("  Successful calls: \(successful.count)")
        log("  Recovered calls: \(recovered.count)")
        return StreamErrorRecoveryResult(results: results, successful: successful, recovered: recovered)
    }
}
