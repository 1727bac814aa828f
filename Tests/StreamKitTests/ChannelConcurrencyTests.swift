import StreamKit
import Synchronization
import Testing

/// Many producers and consumers at once, and cancellation racing delivery.
@Suite struct ChannelConcurrencyTests {
    /// 8 × 8 × 100 000: every item is received exactly once.
    @Test func manyProducersManyConsumersExactlyOnce() async throws {
        let producers = 8, consumers = 8, perProducer = 100_000
        let channel = Channel<Int>(capacity: 64)
        let seen = try await withThrowingTaskGroup(of: [Int].self) { group in
            for producer in 0..<producers {
                group.addTask {
                    let base = producer * perProducer
                    var index = 0
                    while index < perProducer {
                        if index % 3 == 0 {
                            let end = min(index + 17, perProducer)
                            try await channel.send(contentsOf: (base + index)..<(base + end))
                            index = end
                        } else {
                            try await channel.send(base + index)
                            index += 1
                        }
                    }
                    return []
                }
            }
            for consumer in 0..<consumers {
                group.addTask {
                    var mine: [Int] = []
                    if consumer % 2 == 0 {
                        for await value in channel { mine.append(value) }
                    } else {
                        while let batch = try? await channel.receive(upTo: 32) { mine += batch }
                    }
                    return mine
                }
            }
            var all: [Int] = []
            var finishedProducers = 0
            while let result = try await group.next() {
                if result.isEmpty && finishedProducers < producers {
                    finishedProducers += 1
                    if finishedProducers == producers { channel.close() }
                } else {
                    all += result
                }
            }
            return all
        }
        #expect(seen.count == producers * perProducer)
        var counts = [UInt8](repeating: 0, count: producers * perProducer)
        for value in seen { counts[value] += 1 }
        #expect(counts.allSatisfy { $0 == 1 }, "some item was lost or duplicated")
    }

    /// Each producer's items arrive in the order it sent them, even with many consumers.
    @Test func perProducerOrderIsPreservedForSingleConsumer() async throws {
        let channel = Channel<(Int, Int)>(capacity: 8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask { for index in 0..<10_000 { try await channel.send((producer, index)) } }
            }
            group.addTask {
                var next = [0, 0, 0, 0]
                for _ in 0..<40_000 {
                    let (producer, index) = try await channel.receive()
                    #expect(next[producer] == index)
                    next[producer] = index + 1
                }
            }
            try await group.waitForAll()
        }
    }

    /// A cancelled send either delivered its element or threw CancellationError — never both, never
    /// neither. Repeated many times with cancellation racing a receive.
    @Test func cancelledSendsNeitherLoseNorDuplicate() async throws {
        for round in 0..<2_000 {
            let channel = Channel<Int>(capacity: 1)
            try await channel.send(-1)  // full: the next send has to wait
            let sender = Task { () -> Bool in
                do {
                    try await channel.send(round)
                    return true
                } catch is CancellationError {
                    return false
                }
            }
            if round % 2 == 0 { await Task.yield() }
            sender.cancel()
            _ = try await channel.receive()  // make room, racing the cancellation
            let delivered = try await sender.value
            channel.close()
            var rest: [Int] = []
            for await value in channel { rest.append(value) }
            #expect(rest == (delivered ? [round] : []), "round \(round): delivered=\(delivered) rest=\(rest)")
        }
    }

    /// A cancelled receive never swallows an element: whatever it did not return stays in the
    /// channel.
    @Test func cancelledReceivesNeverSwallow() async throws {
        for round in 0..<2_000 {
            let channel = Channel<Int>(capacity: 1)
            let receiver = Task { () -> Int? in try? await channel.receive() }
            if round % 2 == 0 { await Task.yield() }
            receiver.cancel()
            try await channel.send(round)  // races the cancellation
            let got = await receiver.value
            channel.close()
            var rest: [Int] = []
            for await value in channel { rest.append(value) }
            #expect((got.map { [$0] } ?? []) + rest == [round], "round \(round): got \(String(describing: got)), left \(rest)")
        }
    }

    /// Close racing blocked senders: each element is either delivered or its sender threw.
    @Test func closeRacingSendersAccountsForEveryElement() async throws {
        for _ in 0..<200 {
            let channel = Channel<Int>(capacity: 2)
            let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for value in 0..<8 {
                    group.addTask {
                        do {
                            try await channel.send(value)
                            return (value, true)
                        } catch is ChannelClosed {
                            return (value, false)
                        }
                    }
                }
                group.addTask {
                    await Task.yield()
                    channel.close()
                    return (-1, false)
                }
                var results: [(Int, Bool)] = []
                for try await result in group where result.0 >= 0 { results.append(result) }
                return results
            }
            var drained: [Int] = []
            for await value in channel { drained.append(value) }
            let delivered = results.filter(\.1).map(\.0)
            #expect(Set(drained) == Set(delivered) && drained.count == delivered.count)
        }
    }
}
