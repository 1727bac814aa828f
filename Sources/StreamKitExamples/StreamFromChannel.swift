import StreamKit

/// Outcome of ``SeedExamples/streamFromChannel(clock:log:)``.
public struct StreamFromChannelResult: Sendable, Equatable {
    public let results: [Int]
}

extension SeedExamples {
    /// "Stream from Channels": a stream reads a channel while a producer fills it; `take(5)` stops
    /// reading as soon as it has five even squares.
    public static func streamFromChannel(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> StreamFromChannelResult {
        let channel = Channel<Int>(capacity: 5)

        @Sendable func produceData() async throws {
            for i in 1...10 {
                try await channel.send(i)
                try await clock.sleep(for: .milliseconds(100))
            }
            channel.close()
        }

        let processed: DataStream<Int> = DataStream.from(channel)
            .map { $0 * $0 }  // Square numbers
            .filter { $0 % 2 == 0 }  // Even squares only
            .take(5)  // Take first 5

        async let producerTask: Void = produceData()
        var results: [Int] = []
        for try await value in processed {
            results.append(value)
            log("Processed: \(value)")
        }
        try await producerTask
        log("Final results: \(plainList(results))")
        return StreamFromChannelResult(results: results)
    }
}
