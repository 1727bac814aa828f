import StreamKit
import StreamKitTesting
import Synchronization
import Testing

@Suite struct StreamTests {
    @Test func coldAndReRunnable() async throws {
        let runs = Atomic(0)
        let stream = DataStream<Int> { emit in
            runs.add(1, ordering: .relaxed)
            for value in 1...3 { try await emit(value) }
        }.map { $0 * 10 }
        let runsNow = runs.load(ordering: .relaxed)
        #expect(runsNow == 0, "building a stream must not run it")
        #expect(try await stream.collect() == [10, 20, 30])
        #expect(try await stream.collect() == [10, 20, 30])
        let runsNow2 = runs.load(ordering: .relaxed)
        #expect(runsNow2 == 2)
    }

    @Test func sources() async throws {
        #expect(try await DataStream<Int>.range(1, 6).collect() == [1, 2, 3, 4, 5])
        #expect(try await DataStream<Int>.range(0...2).collect() == [0, 1, 2])
        #expect(try await DataStream.from(["a", "b"]).collect() == ["a", "b"])
        #expect(try await DataStream<Int>.unfold(1) { $0 > 100 ? nil : ($0, $0 * 2) }.collect() == [1, 2, 4, 8, 16, 32, 64])
        #expect(try await DataStream.just(7).collect() == [7])
        #expect(try await DataStream<Int>.empty.collect() == [])
        let (async, continuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        for value in [5, 6] { continuation.yield(value) }
        continuation.finish()
        #expect(try await DataStream.from(async).collect() == [5, 6])
    }

    @Test func elementOperators() async throws {
        let numbers = DataStream<Int>.range(1, 11)
        #expect(try await numbers.filter { $0 % 2 == 0 }.collect() == [2, 4, 6, 8, 10])
        #expect(try await numbers.compactMap { (value: Int) -> String? in value % 3 == 0 ? "\(value)" : nil }.collect() == ["3", "6", "9"])
        #expect(try await numbers.take(3).collect() == [1, 2, 3])
        #expect(try await numbers.take(0).collect() == [])
        #expect(try await numbers.drop(8).collect() == [9, 10])
        #expect(try await numbers.takeWhile { $0 < 4 }.collect() == [1, 2, 3])
        #expect(try await numbers.dropWhile { $0 < 9 }.collect() == [9, 10])
        #expect(try await numbers.take(4).scan(0) { $0 + $1 }.collect() == [1, 3, 6, 10])
        #expect(try await numbers.chunked(count: 4).collect() == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]])
        #expect(try await numbers.take(2).flatMap { DataStream.from([$0, -$0]) }.collect() == [1, -1, 2, -2])
        #expect(try await numbers.take(2).concat(.just(99)).collect() == [1, 2, 99])
        let tapped = Recorder<Int>()
        _ = try await numbers.take(2).tap { tapped.append($0) }.drain()
        #expect(tapped.values == [1, 2])
    }

    @Test func sinks() async throws {
        let numbers = DataStream<Int>.range(1, 5)
        #expect(try await numbers.fold(0) { $0 + $1 } == 10)
        #expect(try await numbers.first() == 1)
        #expect(try await DataStream<Int>.empty.first() == nil)
        #expect(try await numbers.drain() == 4)
        var seen: [Int] = []
        try await numbers.forEach { seen.append($0) }
        #expect(seen == [1, 2, 3, 4])
        var iterated: [Int] = []
        for try await value in numbers { iterated.append(value) }
        #expect(iterated == [1, 2, 3, 4])
        let channel = Channel<Int>(capacity: 2)
        async let sent: Void = numbers.run(into: channel, closeWhenDone: true)
        var received: [Int] = []
        for await value in channel { received.append(value) }
        try await sent
        #expect(received == [1, 2, 3, 4])
    }

    /// take(3) from a channel of 10 consumes exactly 3 and leaves 7.
    @Test func takeFromChannelConsumesExactly() async throws {
        let channel = Channel<Int>(capacity: 10)
        for value in 0..<10 { try await channel.send(value) }
        #expect(try await DataStream.from(channel).take(3).collect() == [0, 1, 2])
        #expect(channel.count == 7)
        // The same holds for pull iteration that stops early.
        for try await value in DataStream.from(channel) {
            #expect(value == 3)
            break
        }
        for _ in 0..<100 { await Task.yield() }
        #expect(channel.count == 6)
        #expect(try await DataStream.from(channel).first() == 4)
        #expect(channel.count == 5)
    }

    @Test func errorsEndTheStreamAndAreRethrown() async throws {
        struct Boom: Error, Equatable {}
        let failing = DataStream<Int>.range(1, 10).map { value -> Int in
            if value == 3 { throw Boom() }
            return value
        }
        await #expect(throws: Boom.self) { try await failing.collect() }
        var seen: [Int] = []
        await #expect(throws: Boom.self) { try await failing.forEach { seen.append($0) } }
        #expect(seen == [1, 2])
        await #expect(throws: Boom.self) { for try await _ in failing {} }
        await #expect(throws: Boom.self) { try await failing.buffer(capacity: 4).collect() }
        await #expect(throws: Boom.self) { try await failing.mapAsync(concurrency: 3) { $0 }.collect() }
        await #expect(throws: Boom.self) { try await failing.merge(.range(100, 200)).collect() }
        await #expect(throws: Boom.self) { try await DataStream<Int>.range(0, 100).zip(failing).collect() }
    }

    @Test func mapAsyncUnorderedAndOrdered() async throws {
        let input = DataStream<Int>.range(0, 200)
        let slowOdds: @Sendable (Int) async throws -> Int = { value in
            if value % 2 == 1 { for _ in 0..<20 { await Task.yield() } }
            return value * 2
        }
        let unordered = try await input.mapAsync(concurrency: 4, slowOdds).collect()
        #expect(unordered.sorted() == (0..<200).map { $0 * 2 })
        let ordered = try await input.mapAsync(concurrency: 4, ordered: true, slowOdds).collect()
        #expect(ordered == (0..<200).map { $0 * 2 })
    }

    @Test func mapAsyncRunsConcurrently() async throws {
        let running = Atomic(0)
        let peak = Atomic(0)
        _ = try await DataStream<Int>.range(0, 40).mapAsync(concurrency: 4) { value in
            let now = running.add(1, ordering: .relaxed).newValue
            peak.max(now, ordering: .relaxed)
            for _ in 0..<50 { await Task.yield() }
            running.subtract(1, ordering: .relaxed)
            return value
        }.drain()
        let peakNow = peak.load(ordering: .relaxed)
        #expect(peakNow <= 4)
        let peakNow2 = peak.load(ordering: .relaxed)
        #expect(peakNow2 >= 2)
    }

    @Test func mergeZipBuffer() async throws {
        let merged = try await DataStream<Int>.range(0, 50).merge(.range(100, 150)).collect()
        #expect(merged.sorted() == Array(0..<50) + Array(100..<150))
        #expect(merged.filter { $0 < 50 } == Array(0..<50), "each source keeps its own order")
        let zipped = try await DataStream<Int>.range(0, 3).zip(DataStream.from(["a", "b", "c", "d"])).collect()
        #expect(zipped.map(\.0) == [0, 1, 2] && zipped.map(\.1) == ["a", "b", "c"])
        #expect(try await DataStream<Int>.range(0, 1000).buffer(capacity: 16).collect() == Array(0..<1000))
    }

    /// Cancelling the consumer cancels every task the stream started; none outlives the run.
    @Test func consumerCancellationCancelsStreamTasks() async throws {
        let producers = LiveProducers()
        let endless = producers.endless(yielding: true)
        let started = Atomic(0)
        let consumer = Task {
            try await endless.merge(endless).buffer(capacity: 4).mapAsync(concurrency: 3) { value in
                started.add(1, ordering: .relaxed)
                return value
            }.drain()
        }
        while started.load(ordering: .relaxed) < 100 { await Task.yield() }
        #expect(producers.alive == 2)
        consumer.cancel()
        _ = try? await consumer.value
        #expect(producers.alive == 0, "a producer task outlived the cancelled run")
    }

    /// Stopping early (take) ends every upstream task before the sink returns.
    @Test func earlyStopEndsUpstreamTasks() async throws {
        let producers = LiveProducers()
        let endless = producers.endless(yielding: false)
        let taken = try await endless.buffer(capacity: 8).mapAsync(concurrency: 2, ordered: true) { $0 }.take(5).collect()
        #expect(taken == [0, 1, 2, 3, 4])
        #expect(producers.alive == 0)
    }

    @Test func tickWithManualClock() async throws {
        let clock = ManualClock()
        let ticks = Task { try await DataStream<Int>.tick(every: .seconds(1), clock: clock).take(3).collect() }
        for _ in 0..<3 {
            await clock.waitForSleepers()
            clock.advance(by: .seconds(1))
        }
        #expect(try await ticks.value == [0, 1, 2])
    }

    @Test func chunkedByCountOrTime() async throws {
        let clock = ManualClock()
        let input = Channel<Int>(capacity: 16)
        let output = Channel<[Int]>(capacity: 16)
        let run = Task {
            try await DataStream.from(input).chunked(count: 3, orWithin: .seconds(5), clock: clock)
                .run(into: output, closeWhenDone: true)
        }
        try await input.send(contentsOf: [1, 2, 3])
        #expect(try await output.receive() == [1, 2, 3])  // full: out by count
        try await input.send(4)
        await clock.waitForSleepers()
        #expect(output.count == 0)
        clock.advance(by: .seconds(5))
        #expect(try await output.receive() == [4])  // out by time, alone
        try await input.send(5)
        input.close()
        #expect(try await output.receive() == [5])  // the rest when the input ends
        try await run.value
        await #expect(throws: ChannelClosed.self) { try await output.receive() }
    }

    @Test func debounceEmitsAfterQuietPeriod() async throws {
        let clock = ManualClock()
        let input = Channel<Int>(capacity: 16)
        let output = Channel<Int>(capacity: 16)
        let run = Task { try await DataStream.from(input).debounce(for: .seconds(1), clock: clock).run(into: output, closeWhenDone: true) }
        try await input.send(1)
        try await input.send(2)
        await clock.waitForSleepers()
        #expect(output.count == 0)
        clock.advance(by: .seconds(1))
        #expect(try await output.receive() == 2)
        try await input.send(3)
        input.close()
        #expect(try await output.receive() == 3)
        try await run.value
    }

    @Test func throttleDropsWithinInterval() async throws {
        let clock = ManualClock()
        let input = Channel<Int>(capacity: 16)
        let run = Task { try await DataStream.from(input).throttle(for: .seconds(1), clock: clock).collect() }
        try await input.send(1)
        try await input.send(2)
        while input.count > 0 { await Task.yield() }
        clock.advance(by: .seconds(1))
        try await input.send(3)
        input.close()
        #expect(try await run.value == [1, 3])
    }

    @Test func receiveBeforeDeadline() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 1)
        let timedOut = Task { try await channel.receive(before: clock.now.advanced(by: .seconds(1)), clock: clock) }
        await clock.waitForSleepers()
        clock.advance(by: .seconds(1))
        #expect(try await timedOut.value == nil)
        try await channel.send(5)
        #expect(try await channel.receive(before: clock.now.advanced(by: .seconds(1)), clock: clock) == 5)
    }
}

/// Collects values from concurrent closures.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}

/// Endless producer streams that count how many of their runs are alive, to prove that no task
/// outlives a cancelled or stopped run.
final class LiveProducers: Sendable {
    private let count = Atomic(0)

    var alive: Int { count.load(ordering: .relaxed) }

    func endless(yielding: Bool) -> DataStream<Int> {
        DataStream { emit in
            self.count.add(1, ordering: .relaxed)
            defer { self.count.subtract(1, ordering: .relaxed) }
            var value = 0
            while true {
                try await emit(value)
                value += 1
                if yielding { await Task.yield() }
            }
        }
    }
}
