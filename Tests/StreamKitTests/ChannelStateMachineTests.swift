@testable import StreamKit
import Testing

/// The state machine alone, without threads: which action each event produces.
@Suite struct ChannelStateMachineTests {
    @Test func bufferedSendsUpToCapacityThenFull() {
        var machine = ChannelStateMachine<Int>(capacity: 2)
        #expect(isEnqueued(machine.trySend(1)))
        #expect(isEnqueued(machine.trySend(2)))
        guard case .full = machine.trySend(3) else { Issue.record("expected full"); return }
        #expect(Array(machine.buffer) == [1, 2])
    }

    @Test func closedMachineRefusesSendsButDrains() {
        var machine = ChannelStateMachine<Int>(capacity: 4)
        _ = machine.trySend(1)
        let action = machine.close()
        #expect(action.senders.isEmpty && action.receivers.isEmpty)
        guard case .closed = machine.trySend(2) else { Issue.record("expected closed"); return }
        guard case .element(1, _) = machine.tryReceive() else { Issue.record("expected drain"); return }
        guard case .closed = machine.tryReceive() else { Issue.record("expected closed"); return }
    }

    @Test func allOrNothingBatch() {
        var machine = ChannelStateMachine<Int>(capacity: 3)
        _ = machine.trySend(0)
        guard case .full = machine.trySend(contentsOf: [1, 2, 3][...]) else { Issue.record("expected full"); return }
        #expect(Array(machine.buffer) == [0])
        guard case .enqueued(let receivers) = machine.trySend(contentsOf: [1, 2][...]) else {
            Issue.record("expected enqueued")
            return
        }
        #expect(receivers.isEmpty)
        #expect(Array(machine.buffer) == [0, 1, 2])
    }

    @Test func batchReceiveTakesInOrder() {
        var machine = ChannelStateMachine<Int>(capacity: 8)
        for value in 0..<5 { _ = machine.trySend(value) }
        var batch: [Int] = []
        _ = machine.tryReceive(upTo: 3, into: &batch)
        #expect(batch == [0, 1, 2])
        #expect(Array(machine.buffer) == [3, 4])
    }

    @Test func unknownCancellationIsIgnored() {
        var machine = ChannelStateMachine<Int>(capacity: 1)
        #expect(machine.cancelSender(id: 42) == nil)
        #expect(machine.cancelReceiver(id: 42) == nil)
    }

    private func isEnqueued(_ action: ChannelStateMachine<Int>.TrySendAction) -> Bool {
        if case .enqueued = action { true } else { false }
    }
}
