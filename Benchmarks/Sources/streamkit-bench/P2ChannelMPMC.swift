import StreamKit

/// P2: 4 producers and 4 consumers on one channel, batch send and batch receive.
enum P2 {
    static let producers = 4, consumers = 4, batch = 256

    static func run(items: Int, runs: Int) async throws {
        let channel = try await best(of: runs) { try await streamKit(items: items) }
        let streamItems = items / 20
        let stream = await best(of: runs) { await asyncStream(items: streamItems) }
        report(
            "P2", "channel_mpmc_batch",
            value: Double(items) / channel, unit: "items/s",
            baselines: [("asyncstream", Double(streamItems) / stream)],
            extra: "producers=\(producers) consumers=\(consumers) batch=\(batch)"
        )
    }

    static func streamKit(items: Int) async throws {
        let channel = Channel<Int>(capacity: 4096)
        let perProducer = items / producers
        try await withThrowingTaskGroup(of: Int.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var start = producer * perProducer
                    let end = start + perProducer
                    while start < end {
                        let next = min(start + batch, end)
                        try await channel.send(contentsOf: start..<next)
                        start = next
                    }
                    return -1
                }
            }
            for _ in 0..<consumers {
                group.addTask {
                    var sum = 0
                    while let values = try? await channel.receive(upTo: batch) { for value in values { sum &+= value } }
                    return sum
                }
            }
            var finished = 0
            while finished < producers, let result = try await group.next() {
                if result == -1 { finished += 1 }
            }
            channel.close()
            try await group.waitForAll()
        }
    }

    /// The baseline: AsyncStream is single-consumer, so the four producers feed one consumer.
    static func asyncStream(items: Int) async {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let perProducer = items / producers
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask { for value in (producer * perProducer)..<((producer + 1) * perProducer) { continuation.yield(value) } }
            }
            group.addTask {
                var sum = 0
                for await value in stream { sum &+= value }
                _ = sum
            }
            for _ in 0..<producers { await group.next() }
            continuation.finish()
            await group.waitForAll()
        }
    }
}
