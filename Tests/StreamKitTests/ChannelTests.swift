import StreamKit
import Synchronization
import Testing

@Suite struct ChannelTests {
    @Test func deliversInFifoOrder() async throws {
        let channel = Channel<Int>(capacity: 4)
        for value in 1...4 { try await channel.send(value) }
        var received: [Int] = []
        for _ in 1...4 { received.append(try await channel.receive()) }
        #expect(received == [1, 2, 3, 4])
    }

    @Test func sendSuspendsWhileFullUntilReceive() async throws {
        let channel = Channel<Int>(capacity: 2)
        try await channel.send(1)
        try await channel.send(2)
        #expect(channel.trySend(3) == .full)
        let sent = Atomic(false)
        let sender = Task {
            try await channel.send(3)
            sent.store(true, ordering: .sequentiallyConsistent)
        }
        for _ in 0..<100 { await Task.yield() }
        let sentEarly = sent.load(ordering: .sequentiallyConsistent)
        #expect(!sentEarly, "send returned while the buffer was full")
        #expect(try await channel.receive() == 1)
        try await sender.value
        let sentAfterReceive = sent.load(ordering: .sequentiallyConsistent)
        #expect(sentAfterReceive)
        #expect(try await channel.receive(upTo: 10) == [2, 3])
    }

    @Test func receiveSuspendsWhileEmpty() async throws {
        let channel = Channel<String>(capacity: 1)
        let receiver = Task { try await channel.receive() }
        for _ in 0..<50 { await Task.yield() }
        try await channel.send("hello")
        #expect(try await receiver.value == "hello")
    }

    @Test func closeDrainsBufferThenThrows() async throws {
        let channel = Channel<Int>(capacity: 5)
        for value in 1...3 { try await channel.send(value) }
        channel.close()
        channel.close()  // harmless
        #expect(channel.isClosed)
        await #expect(throws: ChannelClosed.self) { try await channel.send(4) }
        #expect(channel.trySend(4) == .closed)
        #expect(try await channel.receive() == 1)
        #expect(try await channel.receive(upTo: 5) == [2, 3])
        await #expect(throws: ChannelClosed.self) { try await channel.receive() }
        #expect(channel.tryReceive() == .closed)
    }

    @Test func closeWakesBlockedSendersAndReceivers() async throws {
        let full = Channel<Int>(capacity: 1)
        try await full.send(0)
        let blockedSenders = (1...3).map { value in Task { try await full.send(value) } }
        let empty = Channel<Int>(capacity: 1)
        let blockedReceivers = (1...3).map { _ in Task { try await empty.receive() } }
        for _ in 0..<100 { await Task.yield() }
        full.close()
        empty.close()
        for task in blockedSenders { await #expect(throws: ChannelClosed.self) { try await task.value } }
        for task in blockedReceivers { await #expect(throws: ChannelClosed.self) { try await task.value } }
        // The element buffered before the close is still delivered; the blocked ones never were.
        #expect(try await full.receive() == 0)
        await #expect(throws: ChannelClosed.self) { try await full.receive() }
    }

    @Test func waitingReceiversAreServedFirstComeFirstServed() async throws {
        let channel = Channel<Int>(capacity: 1)
        var receivers: [Task<Int, any Error>] = []
        for _ in 0..<5 {
            receivers.append(Task { try await channel.receive() })
            // Let each receiver park before the next starts, so their arrival order is known.
            for _ in 0..<50 { await Task.yield() }
        }
        for value in 0..<5 { try await channel.send(value) }
        for (index, receiver) in receivers.enumerated() {
            #expect(try await receiver.value == index)
        }
    }

    @Test func trySendAndTryReceive() {
        let channel = Channel<Int>(capacity: 1)
        #expect(channel.tryReceive() == .empty)
        #expect(channel.trySend(1) == .enqueued)
        #expect(channel.trySend(2) == .full)
        #expect(channel.count == 1)
        #expect(channel.tryReceive() == .element(1))
    }

    @Test func batchTrySendIsAllOrNothing() async throws {
        let channel = Channel<Int>(capacity: 4)
        #expect(channel.trySend(contentsOf: [1, 2, 3]) == .enqueued)
        #expect(channel.trySend(contentsOf: [4, 5]) == .full)
        #expect(channel.count == 3, "a refused batch must leave nothing behind")
        #expect(channel.trySend(contentsOf: [4]) == .enqueued)
        #expect(try await channel.receive(upTo: 10) == [1, 2, 3, 4])
        channel.close()
        #expect(channel.trySend(contentsOf: [9]) == .closed)
    }

    @Test func batchTrySendHandsOffToWaitingReceivers() async throws {
        let channel = Channel<Int>(capacity: 1)
        let receivers = (0..<2).map { _ in Task { try await channel.receive() } }
        for _ in 0..<100 { await Task.yield() }
        // Two parked receivers plus one slot: three elements fit.
        #expect(channel.trySend(contentsOf: [1, 2, 3]) == .enqueued)
        var values = [try await channel.receive()]
        for receiver in receivers { values.append(try await receiver.value) }
        #expect(values.sorted() == [1, 2, 3])
    }

    @Test func batchSendLargerThanCapacity() async throws {
        let channel = Channel<Int>(capacity: 3)
        let sender = Task {
            try await channel.send(contentsOf: 0..<100)
            channel.close()
        }
        var received: [Int] = []
        for await value in channel { received.append(value) }
        try await sender.value
        #expect(received == Array(0..<100))
    }

    @Test func unboundedNeverWaits() async throws {
        let channel = Channel<Int>.unbounded()
        #expect(channel.capacity == nil)
        for value in 0..<10_000 { #expect(channel.trySend(value) == .enqueued) }
        #expect(channel.count == 10_000)
    }

    @Test func asyncSequenceEndsWhenClosedAndDrained() async throws {
        let channel = Channel<Int>(capacity: 10)
        for value in 0..<5 { try await channel.send(value) }
        channel.close()
        var received: [Int] = []
        for await value in channel { received.append(value) }
        #expect(received == [0, 1, 2, 3, 4])
    }

    @Test func scopedChannelIsClosedOnEveryExit() async throws {
        var escaped: Channel<String>?
        let reply = try await withChannel(of: String.self, capacity: 5) { channel in
            escaped = channel
            try await channel.send("data")
            return try await channel.receive()
        }
        #expect(reply == "data")
        #expect(escaped?.isClosed == true)

        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withChannel(of: Int.self, capacity: 1) { channel in
                escaped = nil
                _ = channel
                throw Boom()
            }
        }
        var thrownFrom: Channel<Int>?
        _ = try? await withChannel(of: Int.self, capacity: 1) { channel in
            thrownFrom = channel
            throw Boom()
        }
        #expect(thrownFrom?.isClosed == true)
    }
}
