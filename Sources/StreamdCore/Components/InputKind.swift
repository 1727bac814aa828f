package import StreamKit
public import OrderedCollections

/// A kind of input: where a pipeline's events come from besides HTTP ingest, which every
/// pipeline has. Inputs are listed under a pipeline's `inputs:`; a value of the type is a
/// configured input, run by the pipeline for as long as the pipeline runs.
public protocol InputKind: Component {
    /// Feeds the pipeline until its source ends or the run stops (the task is cancelled, or
    /// `inlet` closes: ``PipelineInlet/send(_:)`` then throws). Awaiting `send` is the input's
    /// backpressure. A thrown error fails the pipeline's run.
    func run(_ inlet: PipelineInlet) async throws
}

/// The way into a running pipeline, shared by its inputs (HTTP ingest among them).
public struct PipelineInlet: Sendable {
    package let channel: Channel<Event>
    /// The pipeline's name.
    public let pipeline: String

    package init(channel: Channel<Event>, pipeline: String) {
        self.channel = channel
        self.pipeline = pipeline
    }

    /// Enqueues `events` in order, waiting for room as long as it takes. Throws `ChannelClosed`
    /// once the pipeline stops accepting events.
    public func send(_ events: [Event]) async throws {
        try await channel.send(contentsOf: events)
    }
}
