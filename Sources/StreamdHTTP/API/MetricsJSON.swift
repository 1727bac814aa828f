package import StreamdCore
import OrderedCollections
package import StreamKit

/// The JSON shapes of SPEC §3.4.
package enum MetricsJSON {
    package static func stage(_ stage: StageMetricsSnapshot) -> JSONValue {
        [
            "name": .string(stage.name),
            "received": number(stage.received),
            "emitted": number(stage.emitted),
            "filtered": number(stage.filtered),
            "failed": number(stage.failed),
            "aggregated": number(stage.aggregated),
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

    /// A window stage's figures (SPEC §3.4: open windows, late events, watermark lag).
    package static func window(_ monitor: WindowMonitor) -> JSONObject {
        let status = monitor.status()
        let stats = status?.stats ?? WindowStats()
        return [
            "open_windows": number(status?.openWindows ?? 0),
            "open_keys": number(status?.openKeys ?? 0),
            "events": number(stats.elements),
            "late_events": number(stats.late),
            "key_limit_rejections": number(stats.keyLimitRejections),
            "invalid_values": number(monitor.invalidValues.value),
            "results_final": number(stats.finalResults),
            "results_partial": number(stats.partialResults),
            "watermark": status?.watermark.map { .number($0.seconds) } ?? .null,
            "watermark_lag_seconds": status?.watermarkLag.map { .number($0.seconds) } ?? .null,
        ]
    }

    /// An alert stage's figures: how many keys fire now, transitions, hook deliveries.
    package static func alert(_ monitor: AlertMonitor) -> JSONObject {
        let snapshot = monitor.snapshot
        return [
            "state": .string(snapshot.firing.isEmpty ? "ok" : "firing"),
            "firing_keys": number(snapshot.firing.count),
            "firings": number(snapshot.firings),
            "resolutions": number(snapshot.resolutions),
            "evaluations": number(snapshot.counters.evaluations),
            "evaluation_errors": number(snapshot.counters.evaluationErrors),
            "hook_deliveries": number(snapshot.counters.deliveries),
            "hook_failures": number(snapshot.counters.deliveryFailures),
        ]
    }

    package static func hook(_ stats: AlertHookStats) -> JSONValue {
        [
            "hook": .string(stats.name), "delivered": number(stats.delivered), "failed": number(stats.failed),
            "retries": number(stats.retries), "dropped": number(stats.dropped), "queued": number(stats.queued),
        ]
    }

    package static func pipeline(_ metrics: PipelineMetrics) -> JSONValue {
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
            "stages": .array(metrics.stages.map { snapshot in
                guard case .object(var body) = stage(snapshot) else { return .null }
                if let monitor = metrics.windows.first(where: { $0.stage == snapshot.name }) { body["window"] = .object(window(monitor)) }
                if let monitor = metrics.alerts.first(where: { $0.stage == snapshot.name }) { body["alert"] = .object(alert(monitor)) }
                return .object(body)
            }),
            "outputs": .array(metrics.outputs.map { output in
                [
                    "output": .string(output.label), "sent": number(output.sent), "failed": number(output.failed), "retries": number(output.retries),
                    "writable": .bool(output.writable), "not_writable_reason": output.notWritableReason.map(JSONValue.string) ?? .null,
                ]
            }),
        ]
    }

    package static func number(_ value: Int) -> JSONValue { .number(Double(value)) }
}

extension Daemon {
    package func metricsJSON() -> HTTPResponse {
        var pipelines: JSONObject = [:]
        for pipeline in registry.all { pipelines[pipeline.definition.name] = MetricsJSON.pipeline(pipeline.metrics()) }
        let http = httpCounters
        return .json(200, [
            "version": .string(StreamdVersion.current),
            "http": [
                "requests_oversized": MetricsJSON.number(http.oversized),
                "requests_malformed": MetricsJSON.number(http.malformed), "requests_timed_out": MetricsJSON.number(http.timedOut),
                "requests_waiting": MetricsJSON.number(http.suspended),
                "connections_open": MetricsJSON.number(http.openConnections),
                "max_connections": MetricsJSON.number(config.server.maxConnections),
            ],
            "pipelines": .object(pipelines),
            "hooks": .array(alerts.hookStats.map(MetricsJSON.hook)),
        ])
    }
}
