/// `http: { url: https://collector/ingest, timeout: "5s", retries: 3, headers: {…} }`: each
/// batch POSTed as NDJSON, retried with backoff on transport errors, 5xx and 429.
package struct HTTPOutputKind: OutputKind, Equatable {
    package static let name = "http"
    package static let summary = "each batch POSTed as NDJSON, retried with backoff on transport errors, 5xx and 429"
    static let url = ComponentOption("url", .url, required: true, "http:// or https://")
    static let timeout = ComponentOption("timeout", .duration, default: "5s", "per attempt")
    static let retries = ComponentOption("retries", .integer, default: 3, "attempts after the first (0 to 20)")
    static let headers = ComponentOption("headers", .mapping, default: [:], "extra request headers")
    package static let options = [url, timeout, retries, headers]

    package let url: String
    package let timeout: Duration
    package let retries: Int
    package let headers: [String: String]

    package init(url: String, timeout: Duration = .seconds(5), retries: Int = 3, headers: [String: String] = [:]) {
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.headers = headers
    }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        let url = options.read { $0.httpURL(Self.url.name, owner: "an http output") }
        let timeout = options.read { $0.timeout(Self.timeout.name) } ?? .seconds(5)
        let retries = options.integer(retries, in: 0...20) ?? 3
        let path = options.path
        let headers = options.read { $0.node(Self.headers.name) }.map { ConfigLoader.httpHeaders($0, path: "\(path).headers", issues: &options.issues) } ?? [:]
        return url.map { Self(url: $0, timeout: timeout, retries: retries, headers: headers) }
    }

    package func makeSink(_ context: OutputContext) -> any OutputSink {
        HTTPOutput(url: url, timeout: timeout, retries: retries, headers: headers, pipeline: context.pipeline, onRetry: context.countRetry)
    }
}
