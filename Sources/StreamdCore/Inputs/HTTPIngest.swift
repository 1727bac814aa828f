/// `ingest: { max_wait: "100ms" }`: HTTP ingest (`POST /v1/pipelines/{name}/events`), the input
/// every pipeline has. The HTTP server feeds it through the pipeline's ``PipelineInlet``; this
/// type carries its settings and its entry in `streamd components`.
package struct HTTPIngest: Component, Equatable {
    package static let name = "http"
    package static let summary = "POST /v1/pipelines/{name}/events (JSON or NDJSON, gzip); every pipeline has it, configured under ingest:"
    static let maxWait = ComponentOption("max_wait", .duration, default: "100ms", "how long a batch may wait for room before 429")
    package static let options = [maxWait]

    /// How long a batch may wait for room in the pipeline before it is refused with 429.
    package var maxWait: Duration

    package init(maxWait: Duration = .milliseconds(100)) { self.maxWait = maxWait }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        options.duration(maxWait).map(Self.init)
    }
}
