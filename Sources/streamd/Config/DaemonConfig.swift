/// The whole configuration file, typed and validated (SPEC §3.2.1).
struct DaemonConfig: Sendable {
    var server = ServerConfig()
    /// Pipelines created over the API are persisted here.
    var stateDirectory = "/var/lib/streamd"
    /// How long SIGTERM may take to drain everything before the process exits anyway.
    var shutdownTimeout: Duration = .seconds(30)
    var log = LogConfig()
    /// Named alert hooks, in file order.
    var hooks: [HookDefinition] = []
    /// In file order.
    var pipelines: [PipelineDefinition] = []
}

struct ServerConfig: Sendable, Equatable {
    var host = "127.0.0.1"
    /// 0 picks a free port (it is logged).
    var port = 8080
    var maxBodyBytes = 8 * 1024 * 1024
    var maxConnections = 1024
    /// Memory per connection for the request line and headers (and the read buffer): larger
    /// headers get 431.
    var maxHeaderBytes = 64 * 1024
    /// Seconds a connection may stay idle (or trickle) before it is closed.
    var connectionTimeoutSeconds = 30
    /// Seconds a whole request may take, however steadily it trickles in (slowloris).
    var requestTimeoutSeconds = 60
    /// HTTP polling threads.
    var threads = 2
    /// Bearer tokens; `nil`: no authentication (loopback listening only).
    var auth: AuthConfig?

    /// Whether `host` is a loopback address (binding anything else needs auth).
    var isLoopback: Bool {
        host == "::1" || host.hasPrefix("127.") || host == "localhost"
    }
}

struct LogConfig: Sendable, Equatable {
    enum Format: String, Sendable { case logfmt, json }
    var level = "info"
    var format = Format.logfmt
}

/// One named pipeline: the same schema as YAML under `pipelines:` and JSON in
/// `PUT /v1/pipelines/{name}`.
struct PipelineDefinition: Sendable {
    var name: String
    var autostart = true
    /// Capacity of the pipeline's input, in events.
    var buffer = 1024
    /// How long an ingest batch may wait for room before 429.
    var ingestMaxWait: Duration = .milliseconds(100)
    var stages: [StageDefinition] = []
    var outputs: [OutputDefinition] = []
    /// The definition as given, echoed by `GET /v1/pipelines/{name}` and persisted.
    var source: JSONValue = .null
}

struct StageDefinition: Sendable {
    var name: String
    var workers = 1
    var buffer = 256
    var ordered = false
    var kind: StageKind
}

/// What a configured stage does.
enum StageKind: Sendable {
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

enum OutputDefinition: Sendable, Equatable {
    /// A ring of the latest events, read by `GET /v1/pipelines/{name}/output`.
    case memory(capacity: Int)
    /// NDJSON appended to a file.
    case file(path: String)
    /// NDJSON on standard output.
    case stdout
    /// Each batch POSTed as NDJSON, retried with backoff on transport errors, 5xx and 429.
    case http(url: String, timeout: Duration, retries: Int, headers: [String: String])
}
