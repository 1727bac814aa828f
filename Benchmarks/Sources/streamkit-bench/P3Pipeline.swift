import StreamKit

/// P3: a 3-stage pipeline (2, 2 and 1 workers) of trivial functions.
enum P3 {
    static func run(items: Int, runs: Int) async throws {
        let pipeline = try await best(of: runs) { try await streamKit(items: items) }
        let streamItems = items / 5
        let streams = await best(of: runs) { await asyncStreams(items: streamItems) }
        let rate = Double(items) / pipeline
        report(
            "P3", "pipeline_3_stages",
            value: rate, unit: "items/s",
            baselines: [("asyncstream_chain", Double(streamItems) / streams)],
            extra: "workers=2,2,1 overhead_ns_per_item=\(Int(1e9 / rate))"
        )
    }

    static func streamKit(items: Int) async throws {
        let input = Channel<Int>(capacity: 4096)
        let output = Channel<Int>(capacity: 4096)
        let pipeline = Pipeline.from(input)
            .via(Stage("add", workers: 2, capacity: 4096) { $0 &+ 1 })
            .via(Stage.filter("keep", workers: 2, capacity: 4096) { $0 >= 0 })
            .via(Stage("double", workers: 1, capacity: 4096) { $0 &* 2 })
            .to(output)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            group.addTask {
                var start = 0
                while start < items {
                    let end = min(start + 256, items)
                    try await input.send(contentsOf: start..<end)
                    start = end
                }
                input.close()
            }
            group.addTask {
                var received = 0
                while let values = try? await output.receive(upTo: 256) { received += values.count }
                precondition(received == items, "P3 lost items: \(received) of \(items)")
            }
            try await group.waitForAll()
        }
    }

    /// Baseline: the same three functions as tasks chained by AsyncStreams (one task per stage,
    /// since an AsyncStream has a single consumer).
    static func asyncStreams(items: Int) async {
        let (first, firstIn) = AsyncStream<Int>.makeStream()
        let (second, secondIn) = AsyncStream<Int>.makeStream()
        let (third, thirdIn) = AsyncStream<Int>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for value in 0..<items { firstIn.yield(value) }
                firstIn.finish()
            }
            group.addTask {
                for await value in first { secondIn.yield(value &+ 1) }
                secondIn.finish()
            }
            group.addTask {
                for await value in second where value >= 0 { thirdIn.yield(value) }
                thirdIn.finish()
            }
            group.addTask {
                var received = 0
                for await value in third { received &+= value &* 2 }
                _ = received
            }
            await group.waitForAll()
        }
    }
}
