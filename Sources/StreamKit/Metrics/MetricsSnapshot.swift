/// A point-in-time copy of one stage's metrics. Encodes with the daemon's snake_case keys.
///
/// Conservation: `received == emitted + filtered + failed + inFlight`; for a window stage, whose
/// `emitted` counts window results, `received == aggregated + filtered + failed + inFlight`.
public struct StageMetricsSnapshot: Codable, Sendable, Equatable {
    public struct Latency: Codable, Sendable, Equatable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var max: Double
    }

    public var name: String
    public var workers: Int
    /// Elements taken from the stage's input queue.
    public var received: Int
    /// Elements whose processing produced output that was passed downstream.
    public var emitted: Int
    /// Elements the stage dropped on purpose (a filter).
    public var filtered: Int
    /// Elements whose processing threw; each became a ``StageFailure``.
    public var failed: Int
    /// Elements folded into windows (window stages only; 0 elsewhere).
    public var aggregated: Int
    /// Received but not yet emitted, filtered or failed.
    public var inFlight: Int
    public var queueDepth: Int
    /// `nil` for an unbounded queue.
    public var queueCapacity: Int?
    /// Completed elements per second over the last second and the last minute.
    public var rate1s: Double
    public var rate1m: Double
    /// Per-element processing time, in milliseconds.
    public var latencyMs: Latency
    /// The same times counted at fixed bounds, with their sum (for histogram exporters).
    public var latencyBuckets: LatencyBuckets
    /// Total time workers spent waiting for room downstream, in milliseconds.
    public var backpressureMs: Double
    /// Workers alive right now (0 after the pipeline finished).
    public var liveWorkers: Int

    enum CodingKeys: String, CodingKey {
        case name, workers, received, emitted, filtered, failed, aggregated
        case inFlight = "in_flight"
        case queueDepth = "queue_depth"
        case queueCapacity = "queue_capacity"
        case rate1s = "rate_1s"
        case rate1m = "rate_1m"
        case latencyMs = "latency_ms"
        case latencyBuckets = "latency_buckets"
        case backpressureMs = "backpressure_ms"
        case liveWorkers = "live_workers"
    }
}

/// Metrics of a whole pipeline: its stages in order and its failure count.
public struct PipelineMetricsSnapshot: Codable, Sendable, Equatable {
    public var stages: [StageMetricsSnapshot]
    /// Elements taken from the pipeline's input (the first stage's `received`).
    public var accepted: Int { stages.first?.received ?? 0 }
    /// Elements that left through the output (the last stage's `emitted`).
    public var delivered: Int { stages.last?.emitted ?? 0 }
    public var failed: Int { stages.reduce(0) { $0 + $1.failed } }
    public var filtered: Int { stages.reduce(0) { $0 + $1.filtered } }
    public var inFlight: Int { stages.reduce(0) { $0 + $1.inFlight + ($1 == stages.first ? 0 : $1.queueDepth) } }
}
