/// The whole configuration file, typed and validated (SPEC §3.2.1).
package struct DaemonConfig: Sendable {
    package var server = ServerConfig()
    /// Pipelines created over the API are persisted here.
    package var stateDirectory = "/var/lib/streamd"
    /// How long SIGTERM may take to drain everything before the process exits anyway.
    package var shutdownTimeout: Duration = .seconds(30)
    package var log = LogConfig()
    /// Named alert hooks, in file order.
    package var hooks: [HookDefinition] = []
    /// In file order.
    package var pipelines: [PipelineDefinition] = []
}

package struct ServerConfig: Sendable, Equatable {
    package var host = "127.0.0.1"
    /// 0 picks a free port (it is logged).
    package var port = 8080
    package var maxBodyBytes = 8 * 1024 * 1024
    package var maxConnections = 1024
    /// Memory per connection for the request line and headers (and the read buffer): larger
    /// headers get 431.
    package var maxHeaderBytes = 64 * 1024
    /// Seconds a connection may stay idle (or trickle) before it is closed.
    package var connectionTimeoutSeconds = 30
    /// Seconds a whole request may take, however steadily it trickles in (slowloris).
    package var requestTimeoutSeconds = 60
    /// HTTP polling threads.
    package var threads = 2
    /// Bearer tokens; `nil`: no authentication (loopback listening only).
    package var auth: AuthConfig?

    /// Whether `host` is a loopback address (binding anything else needs auth).
    package var isLoopback: Bool {
        host == "::1" || host.hasPrefix("127.") || host == "localhost"
    }

    package init(host: String = "127.0.0.1") { self.host = host }
}

package struct LogConfig: Sendable, Equatable {
    package enum Format: String, Sendable { case logfmt, json }
    package var level = "info"
    package var format = Format.logfmt

    package init(level: String = "info", format: Format = .logfmt) {
        self.level = level
        self.format = format
    }
}

/// One named pipeline: the same schema as YAML under `pipelines:` and JSON in
/// `PUT /v1/pipelines/{name}`.
package struct PipelineDefinition: Sendable {
    package var name: String
    package var autostart = true
    /// Capacity of the pipeline's input, in events.
    package var buffer = 1024
    /// How long an ingest batch may wait for room before 429.
    package var ingestMaxWait: Duration = .milliseconds(100)
    package var stages: [StageDefinition] = []
    package var outputs: [OutputDefinition] = []
    /// The definition as given, echoed by `GET /v1/pipelines/{name}` and persisted.
    package var source: JSONValue = .null
}

package struct StageDefinition: Sendable {
    package var name: String
    package var workers = 1
    package var buffer = 256
    package var ordered = false
    package var kind: StageKind

    package init(name: String, workers: Int = 1, buffer: Int = 256, ordered: Bool = false, kind: StageKind) {
        self.name = name
        self.workers = workers
        self.buffer = buffer
        self.ordered = ordered
        self.kind = kind
    }
}

/// What a configured stage does.
package enum StageKind: Sendable {
    /// Keep events for which the expression is true.
    case filter(Expression)
    /// Set fields to the values of expressions, in order.
    case set([(FieldPath, Expression)])
    case remove([FieldPath])
    /// Move fields, in order.
    case rename([(from: FieldPath, to: FieldPath)])
    /// Replace an RFC 3339 string or epoch seconds/milliseconds with epoch seconds.
    case parseTimestamp(FieldPath)
    /// Set `target` from a static table, by the value of `key` (the seed's segment lookup).
    case lookup(key: Expression, target: FieldPath, table: [String: JSONValue], fallback: JSONValue?)
    /// Keep each event with this probability.
    case sample(rate: Double)
    /// Drop an event whose key was seen within `window` (at most `maxKeys` keys remembered).
    case dedupe(key: [Expression], window: Duration, maxKeys: Int)
    /// Aggregate events into windows; emits one result event per closed window and key.
    case window(WindowDefinition)
    /// Pass results through; deliver state changes of the condition to hooks.
    case alert(AlertDefinition)
    /// A kind registered in Swift (``StageKindRegistry``).
    case custom(kind: String, process: StageKindRegistry.Process)
}

package enum OutputDefinition: Sendable, Equatable {
    /// A ring of the latest events, read by `GET /v1/pipelines/{name}/output`.
    case memory(capacity: Int)
    /// NDJSON appended to a file.
    case file(path: String)
    /// NDJSON on standard output.
    case stdout
    /// Each batch POSTed as NDJSON, retried with backoff on transport errors, 5xx and 429.
    case http(url: String, timeout: Duration, retries: Int, headers: [String: String])
}
