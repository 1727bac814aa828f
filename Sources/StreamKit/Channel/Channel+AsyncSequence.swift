extension Channel: AsyncSequence {
    /// Iterating a channel receives from it: each element goes to exactly one consumer, whichever
    /// iterator or `receive` call takes it. Iteration ends when the channel is closed and drained,
    /// or when the iterating task is cancelled (no element is lost then).
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let channel: Channel

        @inlinable
        init(channel: Channel) { self.channel = channel }

        @inlinable
        public mutating func next() async -> Element? {
            try? await channel.receive()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(channel: self)
    }
}
