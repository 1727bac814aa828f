import Logging
import StreamKit
import Synchronization

/// One output of a running pipeline: a bounded queue of batches and the task that writes them,
/// so a slow output holds back its own pipeline (backpressure) and nothing else.
final class OutputRunner: Sendable {
    let sink: any OutputSink
    let counters: OutputCounters
    let queue = Channel<[Event]>(capacity: 64)
    static let logger = Logger(label: "streamd.output")

    /// `counters` may be created first, for a sink that counts into them (the http output's retries).
    init(sink: any OutputSink, counters: OutputCounters = OutputCounters()) {
        self.sink = sink
        self.counters = counters
    }

    /// Writes queued batches until the queue is closed and drained. A failed write is counted
    /// and logged, and the next batch is tried.
    func run() async {
        for await batch in queue {
            do {
                try await sink.write(batch)
                counters.sent.add(batch.count, ordering: .relaxed)
            } catch {
                counters.failed.add(batch.count, ordering: .relaxed)
                Self.logger.error("output write failed", metadata: ["output": "\(sink.label)", "error": "\(error)", "events": "\(batch.count)"])
            }
        }
        await sink.close()
    }

    /// Copies every result batch to every output, then lets the outputs finish.
    static func fanOut(_ results: Channel<Event>, to outputs: [OutputRunner]) async {
        await withTaskGroup(of: Void.self) { group in
            for output in outputs { group.addTask { await output.run() } }
            while let batch = try? await results.receive(upTo: 256) {
                for output in outputs { try? await output.queue.send(batch) }
            }
            for output in outputs { output.queue.close() }
        }
    }
}
