@testable import StreamKit
import StreamKitTesting
import Testing

/// `send(contentsOf:within:clock:)`: all-or-nothing batches that wait for room up to a deadline.
///
/// The logic tests run on a `ManualClock` and observe parking through the channel's counters, so
/// they never sleep; only the stress test uses real time.
@Suite(.timeLimit(.minutes(1))) struct ChannelBatchDeadlineTests {
    @Test func fastPathEnqueuesWithoutWaiting() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 4)
        #expect(channel.trySend(0) == .enqueued)
        // A zero wait times out whenever the batch would have to wait, so `.enqueued` shows it did not.
        #expect(await channel.send(contentsOf: [1, 2, 3], within: .zero, clock: clock) == .enqueued)
        #expect(channel.contents == [0, 1, 2, 3])
        #expect(clock.sleeperCount == 0, "no timer is armed on the fast path")
        #expect(await channel.send(contentsOf: [4], within: .zero, clock: clock) == .timedOut)
        #expect(channel.contents == [0, 1, 2, 3])
        #expect(channel.parkedBatchSenderCount == 0)
    }

    @Test func fastPathHandsOffToWaitingReceivers() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 3)
        let receivers = (0..<2).map { _ in Task { try await channel.receive() } }
        await yield { channel.parkedReceiverCount == 2 }
        // The first two go straight to the waiting receivers, the third to the buffer.
        #expect(await channel.send(contentsOf: [1, 2, 3], within: .zero, clock: clock) == .enqueued)
        var values: [Int] = []
        for receiver in receivers { values.append(try await receiver.value) }
        #expect(values.sorted() == [1, 2])
        #expect(channel.contents == [3])
    }

    @Test func parkedBatchIsAdmittedWholeOnceAllOfItFits() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 4)
        #expect(channel.trySend(contentsOf: [0, 1, 2]) == .enqueued)
        let sender = Task { await channel.send(contentsOf: [10, 11, 12], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        await clock.waitForSleepers(1)  // the deadline's timer is armed

        #expect(try await channel.receive() == 0)  // room for two of three: nothing goes in
        #expect(channel.contents == [1, 2])
        #expect(channel.parkedBatchSenderCount == 1)

        #expect(try await channel.receive() == 1)  // room for all three
        #expect(channel.contents == [2, 10, 11, 12])
        #expect(channel.parkedBatchSenderCount == 0)
        #expect(await sender.value == .enqueued)
        #expect(clock.sleeperCount == 0, "the timer stops once the batch is in")
    }

    @Test func timeoutLeavesTheChannelUnchanged() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 2)
        #expect(channel.trySend(contentsOf: [0, 1]) == .enqueued)
        let sender = Task { await channel.send(contentsOf: [10], within: .seconds(5), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        await clock.waitForSleepers(1)

        clock.advance(by: .milliseconds(4_999))
        #expect(channel.parkedBatchSenderCount == 1, "timed out before its deadline")
        clock.advance(by: .milliseconds(1))
        #expect(await sender.value == .timedOut)
        #expect(channel.contents == [0, 1])
        #expect(channel.parkedBatchSenderCount == 0)

        #expect(try await channel.receive() == 0)  // room now, but the batch is gone for good
        #expect(channel.contents == [1])
    }

    @Test func timeoutOfTheHeadLetsTheBatchBehindIn() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 3)
        #expect(channel.trySend(contentsOf: [0, 1]) == .enqueued)
        // The head needs two slots and there is one; the batch behind needs one but may not overtake.
        let head = Task { await channel.send(contentsOf: [10, 11], within: .seconds(5), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        let behind = Task { await channel.send(contentsOf: [20], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 2 }
        await clock.waitForSleepers(2)
        #expect(channel.contents == [0, 1])

        clock.advance(by: .seconds(5))
        #expect(await head.value == .timedOut)
        #expect(await behind.value == .enqueued)
        #expect(channel.contents == [0, 1, 20])
    }

    @Test func noBargingPastAParkedBatch() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 4)
        #expect(channel.trySend(contentsOf: [0, 1, 2, 3]) == .enqueued)
        let big = Task { await channel.send(contentsOf: [10, 11, 12], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        let small = Task { await channel.send(contentsOf: [20], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 2 }

        #expect(try await channel.receive() == 0)  // one slot: the small batch would fit, but waits its turn
        #expect(channel.contents == [1, 2, 3])
        #expect(channel.parkedBatchSenderCount == 2)
        // Nor may a newcomer take that slot, waiting or not.
        #expect(await channel.send(contentsOf: [30], within: .zero, clock: clock) == .timedOut)
        #expect(channel.trySend(contentsOf: [30]) == .full)
        #expect(channel.contents == [1, 2, 3])

        #expect(try await channel.receive() == 1)
        #expect(try await channel.receive() == 2)  // three slots: the big batch goes in, the small one still waits
        #expect(channel.contents == [3, 10, 11, 12])
        #expect(await big.value == .enqueued)
        #expect(channel.parkedBatchSenderCount == 1)

        #expect(try await channel.receive() == 3)
        #expect(await small.value == .enqueued)
        #expect(try await channel.receive(upTo: 10) == [10, 11, 12, 20])
    }

    /// The chosen policy: single-element sends do not overtake a parked batch (`trySend` reports
    /// `.full`, `send` parks behind it), and a batch waits behind a single sender parked before it.
    @Test func singleElementSendersAndBatchesShareOneQueue() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 4)
        #expect(channel.trySend(contentsOf: [0, 1, 2, 3]) == .enqueued)
        let batch = Task { await channel.send(contentsOf: [10, 11], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        #expect(try await channel.receive() == 0)  // a free slot the batch cannot use yet
        #expect(channel.trySend(5) == .full)
        let single = Task { try await channel.send(5) }
        await yield { channel.parkedSenderCount == 1 }
        #expect(channel.contents == [1, 2, 3])

        #expect(try await channel.receive() == 1)
        #expect(await batch.value == .enqueued)
        #expect(channel.contents == [2, 3, 10, 11])
        #expect(channel.parkedSenderCount == 1)
        #expect(try await channel.receive() == 2)
        try await single.value
        #expect(channel.contents == [3, 10, 11, 5])

        // And the other way round: a batch parked behind a single sender waits for it.
        let lone = Task { try await channel.send(6) }
        await yield { channel.parkedSenderCount == 1 }
        let later = Task { await channel.send(contentsOf: [20], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        #expect(try await channel.receive() == 3)
        try await lone.value
        #expect(channel.parkedBatchSenderCount == 1)
        #expect(try await channel.receive() == 10)
        #expect(await later.value == .enqueued)
        #expect(channel.contents == [11, 5, 6, 20])
    }

    @Test func closeResumesParkedBatchSendersWithClosed() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 2)
        #expect(channel.trySend(contentsOf: [0, 1]) == .enqueued)
        let first = Task { await channel.send(contentsOf: [10, 11], within: .seconds(60), clock: clock) }
        let second = Task { await channel.send(contentsOf: [20], within: .seconds(60), clock: clock) }
        let single = Task { try await channel.send(7) }
        await yield { channel.parkedBatchSenderCount == 2 && channel.parkedSenderCount == 1 }

        channel.close()
        #expect(await first.value == .closed)
        #expect(await second.value == .closed)
        await #expect(throws: ChannelClosed.self) { try await single.value }
        #expect(clock.sleeperCount == 0, "the timers stop with the wait")
        #expect(await channel.send(contentsOf: [30], within: .seconds(60), clock: clock) == .closed)
        #expect(await channel.send(contentsOf: [], within: .seconds(60), clock: clock) == .closed)

        var drained: [Int] = []
        for await value in channel { drained.append(value) }
        #expect(drained == [0, 1])
    }

    @Test func cancellationWithdrawsTheBatch() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 2)
        #expect(channel.trySend(contentsOf: [0, 1]) == .enqueued)
        let cancelled = Task { await channel.send(contentsOf: [10, 11], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        let behind = Task { await channel.send(contentsOf: [20], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 2 }

        cancelled.cancel()
        #expect(await cancelled.value == .timedOut)
        #expect(channel.contents == [0, 1])
        #expect(channel.parkedBatchSenderCount == 1)

        #expect(try await channel.receive() == 0)  // room for the batch behind, which is next now
        #expect(await behind.value == .enqueued)
        #expect(try await channel.receive(upTo: 10) == [1, 20])
        #expect(channel.contents.isEmpty)
    }

    /// A cancelled task still takes the fast path (as `send(_:)` does), but never waits.
    @Test func alreadyCancelledTaskNeverWaits() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 2)
        let sends = Task { () -> [BatchSendOutcome] in
            while !Task.isCancelled { await Task.yield() }
            return [
                await channel.send(contentsOf: [1, 2], within: .seconds(60), clock: clock),
                await channel.send(contentsOf: [3], within: .seconds(60), clock: clock),
            ]
        }
        sends.cancel()
        #expect(await sends.value == [.enqueued, .timedOut])
        #expect(channel.contents == [1, 2])
        #expect(channel.parkedBatchSenderCount == 0)
    }

    /// Withdrawal (cancellation or the deadline) racing the receives that make room: the batch
    /// is either all in, reported `.enqueued`, or not at all.
    @Test func withdrawalRacingAdmissionNeitherLosesNorSplitsABatch() async throws {
        for round in 0..<1_000 {
            let clock = ManualClock()
            let channel = Channel<Int>(capacity: 3)
            #expect(channel.trySend(contentsOf: [-1, -2, -3]) == .enqueued)
            let sender = Task { await channel.send(contentsOf: [round, round], within: .seconds(1), clock: clock) }
            let withdraw = Task {
                if round % 3 == 0 { await Task.yield() }
                if round.isMultiple(of: 2) { sender.cancel() } else { clock.advance(by: .seconds(1)) }
            }
            if round % 5 == 0 { await Task.yield() }
            _ = try await channel.receive()
            _ = try await channel.receive()
            await withdraw.value
            let outcome = await sender.value
            #expect(outcome != .closed)
            channel.close()
            var rest: [Int] = []
            for await value in channel { rest.append(value) }
            #expect(rest == [-3] + (outcome == .enqueued ? [round, round] : []), "round \(round): \(outcome)")
        }
    }

    @Test func batchLargerThanCapacityTimesOutAtOnce() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 3)
        #expect(await channel.send(contentsOf: [1, 2, 3, 4], within: .seconds(60), clock: clock) == .timedOut)
        #expect(clock.sleeperCount == 0 && channel.parkedBatchSenderCount == 0, "it never waited")
        #expect(channel.contents.isEmpty)
        // Refused even when enough receivers wait to take it right now: the outcome does not
        // depend on timing.
        let receivers = (0..<4).map { _ in Task { try await channel.receive() } }
        await yield { channel.parkedReceiverCount == 4 }
        #expect(await channel.send(contentsOf: [1, 2, 3, 4], within: .seconds(60), clock: clock) == .timedOut)
        #expect(channel.parkedReceiverCount == 4)
        // Exactly the capacity fits.
        #expect(await channel.send(contentsOf: [1, 2, 3], within: .seconds(60), clock: clock) == .enqueued)
        channel.close()
        var outcomes: [Int?] = []
        for receiver in receivers { outcomes.append(try? await receiver.value) }
        #expect(outcomes.compactMap(\.self).sorted() == [1, 2, 3])
    }

    @Test func emptyBatchIsEnqueuedAtOnce() async throws {
        let clock = ManualClock()
        let channel = Channel<Int>(capacity: 1)
        #expect(channel.trySend(0) == .enqueued)
        let parked = Task { await channel.send(contentsOf: [1], within: .seconds(60), clock: clock) }
        await yield { channel.parkedBatchSenderCount == 1 }
        // Full, with a batch parked: an empty batch takes no room, so it overtakes nobody.
        #expect(await channel.send(contentsOf: [], within: .zero, clock: clock) == .enqueued)
        #expect(channel.contents == [0])
        channel.close()
        #expect(await parked.value == .closed)
    }

    /// The `ContinuousClock` overload, and an unbounded channel (whose room arithmetic must not
    /// overflow with receivers waiting).
    @Test func continuousClockOverloadAndUnboundedChannel() async throws {
        let channel = Channel<Int>.unbounded()
        let receiver = Task { try await channel.receive() }
        await yield { channel.parkedReceiverCount == 1 }
        #expect(await channel.send(contentsOf: [1, 2], within: .seconds(60)) == .enqueued)
        #expect(try await receiver.value == 1)
        let other = Task { try await channel.receive(upTo: 10) }
        #expect(try await other.value == [2])
        let waiting = Task { try await channel.receive() }
        await yield { channel.parkedReceiverCount == 1 }
        #expect(channel.trySend(contentsOf: [3, 4]) == .enqueued)
        #expect(try await waiting.value == 3)
        #expect(channel.contents == [4])
    }

    /// Stress: 8 producers send random batches with deadlines of 1–5 ms (some larger than the
    /// capacity, some single elements through `send(_:)`) while consumers stall now and then.
    /// Every received element comes from a batch reported `.enqueued`, each such batch arrives
    /// complete and in producer order, nothing of a timed-out batch ever appears; with a single
    /// consumer, each batch is also seen contiguously.
    @Test(arguments: [1, 2]) func stressEveryEnqueuedBatchArrivesWholeAndNothingElse(consumers: Int) async throws {
        let producers = 8, batchesPerProducer = 150, capacity = 8
        let channel = Channel<Int>(capacity: capacity)
        // Element = producer * 1_000_000 + batch * 100 + position.
        let results = await withTaskGroup(of: StressPart.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var random = SeededGenerator(seed: UInt64(producer + 1))
                    var sent: [SentBatch] = []
                    for batch in 0..<batchesPerProducer {
                        let base = producer * 1_000_000 + batch * 100
                        if producer % 4 == 3 && batch.isMultiple(of: 5) {
                            let delivered = (try? await channel.send(base)) != nil
                            sent.append(SentBatch(batch: batch, count: 1, outcome: delivered ? .enqueued : .closed))
                            continue
                        }
                        let count = Int.random(in: 1...(capacity + 2), using: &random)
                        let wait = Duration.microseconds(Int.random(in: 1_000...5_000, using: &random))
                        let outcome = await channel.send(contentsOf: (0..<count).map { base + $0 }, within: wait)
                        sent.append(SentBatch(batch: batch, count: count, outcome: outcome))
                    }
                    return .producer(producer, sent)
                }
            }
            for consumer in 0..<consumers {
                group.addTask {
                    var random = SeededGenerator(seed: UInt64(100 + consumer))
                    var mine: [Int] = []
                    while true {
                        if Int.random(in: 0..<40, using: &random) == 0 {
                            try? await Task.sleep(for: .microseconds(Int.random(in: 1_000...4_000, using: &random)))
                        }
                        if consumer.isMultiple(of: 2) {
                            guard let value = try? await channel.receive() else { break }
                            mine.append(value)
                        } else {
                            guard let values = try? await channel.receive(upTo: 3) else { break }
                            mine += values
                        }
                    }
                    return .consumer(mine)
                }
            }
            var sent: [Int: [SentBatch]] = [:]
            var received: [[Int]] = []
            while let part = await group.next() {
                switch part {
                case .producer(let producer, let batches):
                    sent[producer] = batches
                    if sent.count == producers { channel.close() }
                case .consumer(let values): received.append(values)
                }
            }
            return (sent, received)
        }
        let (sent, received) = results

        var expected: Set<Int> = []
        var refused: Set<Int> = []  // producer * 1_000_000 + batch * 100 of batches not enqueued
        var sizeOf: [Int: Int] = [:]
        for (producer, batches) in sent {
            for batch in batches {
                let base = producer * 1_000_000 + batch.batch * 100
                sizeOf[base] = batch.count
                if batch.count > capacity { #expect(batch.outcome == .timedOut, "an oversized batch was let in") }
                if batch.outcome == .enqueued {
                    expected.formUnion((0..<batch.count).map { base + $0 })
                } else {
                    refused.insert(base)
                }
            }
        }
        let all = received.flatMap(\.self)
        #expect(all.count == Set(all).count, "an element arrived twice")
        let leaked = all.filter { refused.contains($0 - $0 % 100) }
        #expect(leaked.isEmpty, "elements of batches not enqueued arrived: \(leaked.prefix(10))")
        #expect(Set(all) == expected, "missing: \(expected.subtracting(all).sorted().prefix(10))")
        for stream in received {
            var last: [Int: Int] = [:]  // per producer
            for value in stream {
                let producer = value / 1_000_000
                #expect(value > last[producer, default: -1], "producer \(producer) out of order")
                last[producer] = value
            }
        }
        if consumers == 1, let stream = received.first {
            var index = 0
            while index < stream.count {
                let base = stream[index] - stream[index] % 100
                let size = sizeOf[base] ?? 0
                #expect(stream[index] == base && Array(stream[index..<Swift.min(index + size, stream.count)]) == (0..<size).map { base + $0 },
                        "batch \(base) not contiguous at \(index)")
                index += Swift.max(size, 1)
            }
        }
    }
}

private struct SentBatch: Sendable {
    var batch: Int
    var count: Int
    var outcome: BatchSendOutcome
}

private enum StressPart: Sendable {
    case producer(Int, [SentBatch])
    case consumer([Int])
}

/// Yields until `condition` holds: tests observe that a task has parked, they never sleep for it.
private func yield(until condition: () -> Bool) async {
    while !condition() { await Task.yield() }
}

extension Channel {
    /// The buffered elements, oldest first, without taking them.
    fileprivate var contents: [Element] { state.withLock { Array($0.buffer) } }
}
