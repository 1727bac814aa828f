// Pull iteration (`for try await x in stream`) over a push-based stream.
//
// The run happens in a task that hands over one element per `next()` and does not let upstream
// produce the following element until `next()` is called again, so breaking out of the loop
// consumes nothing extra (a stream from a channel leaves the rest in the channel). Dropping the
// iterator cancels the task. Sinks such as `collect()` avoid the hand-over and are faster.

import Synchronization

extension DataStream: AsyncSequence {
    public final class AsyncIterator: AsyncIteratorProtocol {
        private let stream: DataStream
        private let demand = Channel<Void>(capacity: 1)
        private let values = Channel<Element>(capacity: 1)
        private let failure = FirstError()
        private var task: Task<Void, Never>?

        init(stream: DataStream) { self.stream = stream }

        deinit {
            task?.cancel()
            demand.close()
            values.close()
        }

        public func next() async throws -> Element? {
            if task == nil { task = start() }
            guard demand.trySend(()) == .enqueued else { return nil }
            do {
                return try await values.receive()
            } catch is ChannelClosed {
                if let error = failure.error { throw error }
                return nil
            } catch {
                task?.cancel()
                throw error
            }
        }

        private func start() -> Task<Void, Never> {
            let (stream, demand, values, failure) = (stream, demand, values, failure)
            return Task {
                defer {
                    values.close()
                    demand.close()
                }
                do {
                    try await demand.receive()
                    try await stream.body { element in
                        try await values.send(element)
                        try await demand.receive()
                    }
                } catch is ChannelClosed {
                } catch {
                    failure.record(error)
                }
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(stream: self)
    }
}
