import StreamKit

/// Outcome of ``SeedExamples/streamBasics(log:)``: the same stream run twice.
public struct StreamBasicsResult: Sendable, Equatable {
    /// From `collect()` (the seed's `run_collect`).
    public let collected: [String]
    /// From `for try await` over the same stream (the seed's `async for item in processed.run()`).
    public let streamed: [String]
}

extension SeedExamples {
    /// "Stream Basics": map / filter / map over a range. A `DataStream` is cold, so running it a
    /// second time produces the same elements again.
    public static func streamBasics(log: @escaping ExampleLog) async throws -> StreamBasicsResult {
        let numbers = DataStream<Int>.range(1, 6)  // 1, 2, 3, 4, 5
        let processed: DataStream<String> = numbers  // Typed so AsyncSequence.map is never picked
            .map { $0 * 2 }  // Double each number
            .filter { $0 > 5 }  // Keep only > 5
            .map { "Result: \($0)" }  // Format as string

        let results = try await processed.collect()
        log("Stream results: \(quotedList(results))")

        var streamed: [String] = []
        for try await item in processed {
            streamed.append(item)
            log("Streaming: \(item)")
        }
        return StreamBasicsResult(collected: results, streamed: streamed)
    }
}
