import OrderedCollections
import StreamKit

/// The JSON shapes of SPEC §3.4.
enum MetricsJSON {
    static func stage(_ stage: StageMetricsSnapshot) -> JSONValue {
        [
            "name": .string(stage.name),
            "received": number(stage.received),
            "emitted": number(stage.emitted),
            "filtered": number(stage.filtered),
            "failed": number(stage.failed),
            "in_flight": number(stage.inFlight),
            "queue_depth": number(stage.queueDepth),
            "queue_capacity": stage.queueCapacity.map(number) ?? .null,
            "workers": number(stage.workers),
            "rate_1s": .number(stage.rate1s),
            "rate_1m": .number(stage.rate1m),
            "latency_ms": [
                "p50": .number(stage.latencyMs.p50), "p90": .number(stage.latencyMs.p90),
                "p99": .number(stage.latencyMs.p99), "max": .number(stage.latencyMs.max),
            ],
            "backpressure_ms": .number(stage.backpressureMs),
        ]
    }

    static func pipeline(_ metrics: PipelineMetrics) -> JSONValue {
        var requests: JSONObject = [:]
        for (status, count) in metrics.ingest.requestsByStatus where count > 0 { requests[status] = number(count) }
        return [
            "state": .string(metrics.state.rawValue),
            "ingest": [
                "requests": .object(requests),
                "events_accepted": number(metrics.ingest.eventsAccepted),
                "events_rejected": number(metrics.ingest.eventsRejected),
                "bytes": number(metrics.ingest.bytes),
                "queue_depth": number(metrics.queueDepth),
                "queue_capacity": number(metrics.queueCapacity),
            ],
            "stages": .array(metrics.stages.map(stage)),
            "outputs": .array(metrics.outputs.map { output in
                ["output": .string(output.label), "sent": number(output.sent), "failed": number(output.failed), "retries": number(output.retries)]
            }),
        ]
    }

    static func number(_ value: Int) -> JSONValue { .number(Double(value)) }
}

extension Daemon {
    func metricsJSON() -> HTTPResponse {
        var pipelines: JSONObject = [:]
        for pipeline in registry.all { pipelines[pipeline.definition.name] = MetricsJSON.pipeline(pipeline.metrics()) }
        return .json(200, ["version": .string(StreamdVersion.current), "pipelines": .object(pipelines)])
    }
}
