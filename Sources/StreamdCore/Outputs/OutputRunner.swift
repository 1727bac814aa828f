package import Logging
package import StreamKit
import Synchronization

/// One output of a running pipeline: a bounded queue of batches and the task that writes them,
/// so a slow output holds back its own pipeline (backpressure) and nothing else.
package final class OutputRunner: Sendable {
    package let sink: any OutputSink
    package let counters: OutputCounters
    package let queue = Channel<[Event]>(capacity: 64)
    package static let logger = Logger(label: "streamd.output")

    /// `counters` may be created first, for a sink that counts into them (retries).
    package init(sink: any OutputSink, counters: OutputCounters = OutputCounters()) {
        self.sink = sink
        self.counters = counters
    }

    /// Writes queued batches until the queue is closed and drained. A failed write is counted
    /// and logged, and the next batch is tried. Cancelled (a stop that gave up), it counts what
    /// it did not write in `undelivered` and ends.
    ///
    /// Meanwhile the sink opens in the background, so an output that cannot be opened shows at
    /// once; the first batch takes over (writing opens it too), and a drain with nothing queued
    /// does not wait for it.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.sink.open() }
            var opening = true
            for await batch in queue {
                if opening {
                    group.cancelAll()
                    opening = false
                }
                do {
                    try await sink.write(batch)
                    counters.sent.add(batch.count, ordering: .relaxed)
                } catch {
                    if Task.isCancelled {
                        counters.undelivered.add(batch.count, ordering: .relaxed)
                        break
                    }
                    counters.failed.add(batch.count, ordering: .relaxed)
                    Self.logger.error("output write failed", metadata: ["output": "\(sink.label)", "error": "\(error)", "events": "\(batch.count)"])
                }
            }
            group.cancelAll()
        }
        await abandon()
    }

    /// Counts what is left in the queue (only a cancelled run leaves anything) and closes the sink.
    private func abandon() async {
        queue.close()
        while case .element(let batch) = queue.tryReceive() { counters.undelivered.add(batch.count, ordering: .relaxed) }
        await sink.close()
    }

    /// Copies every result batch to every output, then lets the outputs finish.
    package static func fanOut(_ results: Channel<Event>, to outputs: [OutputRunner]) async {
        await withTaskGroup(of: Void.self) { group in
            for output in outputs { group.addTask { await output.run() } }
            while let batch = try? await results.receive(upTo: 256) {
                for output in outputs {
                    do { try await output.queue.send(batch) } catch { output.counters.undelivered.add(batch.count, ordering: .relaxed) }
                }
            }
            for output in outputs { output.queue.close() }
        }
    }
}
