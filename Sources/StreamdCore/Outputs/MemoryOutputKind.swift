/// `memory: { capacity: 1000 }`: the latest events, read by `GET /v1/pipelines/{name}/output`
/// (kept across restarts of the pipeline).
package struct MemoryOutputKind: OutputKind {
    package static let name = "memory"
    package static let summary = "a ring of the latest events, read by GET /v1/pipelines/{name}/output"
    static let capacity = ComponentOption("capacity", .integer, default: 1000, "events kept (1 to 1000000)")
    package static let options = [capacity]

    package let capacity: Int

    package init(capacity: Int = 1000) { self.capacity = capacity }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        options.integer(capacity, in: 1...1_000_000).map(Self.init)
    }

    package func makeSink(_ context: OutputContext) -> any OutputSink {
        context.retained { MemoryOutput(capacity: capacity) }
    }
}
