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

/// One named pipeline, `inputs → stages → outputs`: the same schema as YAML under `pipelines:`
/// and JSON in `PUT /v1/pipelines/{name}`.
package struct PipelineDefinition: Sendable {
    package var name: String
    package var autostart = true
    /// Capacity of the pipeline's input, in events.
    package var buffer = 1024
    /// HTTP ingest, the input every pipeline has (`ingest:`).
    package var ingest = HTTPIngest()
    /// Further inputs (`inputs:`), each run for as long as the pipeline runs.
    package var inputs: [any InputKind] = []
    package var stages: [StageDefinition] = []
    /// At least one: a pipeline without `outputs:` gets a memory output.
    package var outputs: [any OutputKind] = [MemoryOutputKind()]
    /// The definition as given, echoed by `GET /v1/pipelines/{name}` and persisted.
    package var source: JSONValue = .null

    package init(name: String, source: JSONValue = .null) {
        self.name = name
        self.source = source
    }

    /// How long an ingest batch may wait for room before 429.
    package var ingestMaxWait: Duration { ingest.maxWait }
}

/// One configured stage: the settings every stage has and its kind's configured value.
package struct StageDefinition: Sendable {
    package var name: String
    package var workers = 1
    package var buffer = 256
    package var ordered = false
    package var kind: any StageKind

    package init(name: String, workers: Int = 1, buffer: Int = 256, ordered: Bool = false, kind: any StageKind) {
        self.name = name
        self.workers = workers
        self.buffer = buffer
        self.ordered = ordered
        self.kind = kind
    }

    /// The settings the kind builds its stage with.
    package func settings(pipeline: String) -> StageSettings {
        StageSettings(name: name, workers: workers, capacity: buffer, ordered: ordered, pipeline: pipeline)
    }
}
