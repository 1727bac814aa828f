import StreamKit

/// Outcome of ``SeedExamples/channelBasics(clock:log:)``.
public struct ChannelBasicsResult: Sendable, Equatable {
    public let sent: [String]
    public let received: [String]
    /// The consumer stopped because `receive` threw ``ChannelClosed`` (the seed's `except ChannelClosed`).
    public let endedOnChannelClosed: Bool
}

extension SeedExamples {
    /// "Basic Channel Usage": a producer sends five messages into a 3-slot channel twice as fast
    /// as the consumer reads them; closing the channel is how the consumer learns it is done.
    public static func channelBasics(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> ChannelBasicsResult {
        let channel = Channel<String>(capacity: 3)

        @Sendable func producer() async throws -> [String] {
            var sent: [String] = []
            for i in 1...5 {
                let message = "Message \(i)"
                log("📤 Sending: \(message)")
                try await channel.send(message)
                sent.append(message)
                try await clock.sleep(for: .milliseconds(100))
            }
            channel.close()  // Signal completion
            log("📤 Producer finished")
            return sent
        }

        @Sendable func consumer() async throws -> (received: [String], closed: Bool) {
            log("📥 Consumer started")
            var received: [String] = []
            do {
                while true {
                    let message = try await channel.receive()
                    received.append(message)
                    log("📥 Received: \(message)")
                    try await clock.sleep(for: .milliseconds(200))  // Slower than producer
                }
            } catch is ChannelClosed {
                log("📥 Consumer finished (channel closed)")
                return (received, true)
            }
        }

        async let sent = producer()
        async let consumed = consumer()
        let (messages, outcome) = try await (sent, consumed)
        return ChannelBasicsResult(sent: messages, received: outcome.received, endedOnChannelClosed: outcome.closed)
    }
}
