import AsyncAlgorithms
import StreamKit

/// P1: one producer, one consumer, `Int` elements, per-element send and receive.
enum P1 {
    static func run(items: Int, runs: Int) async throws {
        let channel = try await best(of: runs) { try await streamKitChannel(items: items, capacity: 1024) }
        let streamItems = items / 5
        let stream = await best(of: runs) { await asyncStream(items: streamItems) }
        let asyncChannelItems = items / 20
        let asyncChannel = await best(of: runs) { await asyncAlgorithmsChannel(items: asyncChannelItems) }
        report(
            "P1", "channel_spsc",
            value: Double(items) / channel, unit: "items/s",
            baselines: [
                ("asyncstream", Double(streamItems) / stream),
                ("asyncchannel", Double(asyncChannelItems) / asyncChannel),
            ]
        )
    }

    static func streamKitChannel(items: Int, capacity: Int) async throws {
        let channel = Channel<Int>(capacity: capacity)
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in 0..<items { try await channel.send(i) }
                channel.close()
                return 0
            }
            group.addTask {
                var sum = 0
                for await value in channel { sum &+= value }
                return sum
            }
            try await group.waitForAll()
        }
    }

    static func asyncStream(items: Int) async {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in 0..<items { continuation.yield(i) }
                continuation.finish()
                return 0
            }
            group.addTask {
                var sum = 0
                for await value in stream { sum &+= value }
                return sum
            }
            await group.waitForAll()
        }
    }

    static func asyncAlgorithmsChannel(items: Int) async {
        let channel = AsyncChannel<Int>()
        await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in 0..<items { await channel.send(i) }
                channel.finish()
                return 0
            }
            group.addTask {
                var sum = 0
                for await value in channel { sum &+= value }
                return sum
            }
            await group.waitForAll()
        }
    }
}
