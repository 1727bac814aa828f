import StreamKit

/// Outcome of ``SeedExamples/backpressure(clock:log:)``.
public struct BackpressureResult: Sendable, Equatable {
    public let received: [Int]
    /// The most elements seen buffered in the channel, sampled after every send and before every
    /// receive: backpressure keeps it at or below the capacity.
    public let maxBuffered: Int
    public let capacity: Int
}

extension SeedExamples {
    /// "Backpressure in Action": a fast producer and a slow consumer share a 2-slot channel, so
    /// `send` suspends whenever the buffer is full instead of letting it grow.
    public static func backpressure(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> BackpressureResult {
        let capacity = 2
        let channel = Channel<Int>(capacity: capacity)
        let peak = Locked(0)
        @Sendable func sample() {
            let depth = channel.count
            peak.withLock { $0 = max($0, depth) }
        }

        @Sendable func fastProducer() async throws {
            for i in 0..<10 {
                log("⚡ Producer trying to send \(i)")
                try await channel.send(i)  // Suspends while the buffer is full
                sample()
                log("✅ Sent \(i)")
            }
        }

        @Sendable func slowConsumer() async throws -> [Int] {
            try await clock.sleep(for: .seconds(1))  // Start after producer builds up
            var received: [Int] = []
            for _ in 0..<10 {
                try await clock.sleep(for: .milliseconds(500))  // Slow consumption
                sample()
                let value = try await channel.receive()
                received.append(value)
                log("🐌 Consumer received \(value)")
            }
            return received
        }

        async let produced: Void = fastProducer()
        async let consumed = slowConsumer()
        let (_, received) = try await (produced, consumed)
        return BackpressureResult(received: received, maxBuffered: peak.value, capacity: capacity)
    }
}
