package import StreamdCore
import Foundation
package import StreamKit

/// The Prometheus text exposition format (0.0.4), one family at a time: a `# HELP` and a `# TYPE`
/// line, then the family's samples together. One helper per metric type keeps each family's
/// name and type in one place; every name gets the `streamd_` prefix.
///
/// ```swift
/// var out = PrometheusText()
/// out.counter("output_sent_total", "Events written by the output.", [("output", "memory")], 12)
/// out.gauge("hook_queued", "Notifications waiting for delivery.", [("hook", "ops")], 0)
/// ```
package struct PrometheusText {
    package typealias Labels = [(String, String)]

    private struct Family {
        let name: String
        let type: String
        let help: String
        var samples: [String] = []
    }

    private var families: [Family] = []
    /// Family name → index in `families`, so samples of one family stay together in any order.
    private var index: [String: Int] = [:]

    /// A value that only grows while the process lives; Prometheus names these `…_total`.
    package mutating func counter(_ name: String, _ help: String, _ labels: Labels, _ value: Double) {
        assert(name.hasSuffix("_total"), "counter \(name) must end in _total")
        append(name, "counter", help, sample(name, labels, value))
    }

    package mutating func counter(_ name: String, _ help: String, _ labels: Labels, _ value: Int) {
        counter(name, help, labels, Double(value))
    }

    /// A value that goes up and down.
    package mutating func gauge(_ name: String, _ help: String, _ labels: Labels, _ value: Double) {
        append(name, "gauge", help, sample(name, labels, value))
    }

    package mutating func gauge(_ name: String, _ help: String, _ labels: Labels, _ value: Int) {
        gauge(name, help, labels, Double(value))
    }

    /// Latencies in seconds: a cumulative `_bucket` per bound plus `+Inf`, then `_sum` and `_count`.
    package mutating func histogram(_ name: String, _ help: String, _ labels: Labels, _ buckets: LatencyBuckets) {
        var samples = zip(LatencyBuckets.upperBounds, buckets.cumulativeCounts).map { bound, count in
            sample(name + "_bucket", labels + [("le", Self.format(bound))], Double(count))
        }
        samples.append(sample(name + "_bucket", labels + [("le", "+Inf")], Double(buckets.count)))
        samples.append(sample(name + "_sum", labels, buckets.sumSeconds))
        samples.append(sample(name + "_count", labels, Double(buckets.count)))
        append(name, "histogram", help, samples.joined(separator: "\n"))
    }

    package var text: String {
        families.map { family in
            "# HELP streamd_\(family.name) \(Self.escape(help: family.help))\n# TYPE streamd_\(family.name) \(family.type)\n"
                + family.samples.joined(separator: "\n") + "\n"
        }.joined()
    }

    private mutating func append(_ name: String, _ type: String, _ help: String, _ sample: String) {
        if let position = index[name] {
            assert(families[position].type == type, "\(name) is both a \(families[position].type) and a \(type)")
            families[position].samples.append(sample)
        } else {
            index[name] = families.count
            families.append(Family(name: name, type: type, help: help, samples: [sample]))
        }
    }

    private func sample(_ name: String, _ labels: Labels, _ value: Double) -> String {
        let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(Self.escape(label: $0.1))\"" }.joined(separator: ",") + "}"
        return "streamd_\(name)\(labelText) \(Self.format(value))"
    }

    /// A label value: backslash, double quote and line feed escaped.
    package static func escape(label value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// HELP text: backslash and line feed escaped.
    package static func escape(help text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Integers without a fraction, others as Swift's shortest round-trip form (`2.5e-05`), and
    /// the format's own spellings of infinities and NaN.
    package static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    package init() {}
}

/// `GET /metrics`: the figures of `/v1/metrics` as Prometheus metrics, labelled by `pipeline` and
/// `stage` (and `output`, `status`, `hook`). The README's "Prometheus metrics" lists them.
extension Daemon {
    package func metricsPrometheus() -> HTTPResponse {
        var out = PrometheusText()
        for pipeline in registry.all {
            let metrics = pipeline.metrics()
            let labels = [("pipeline", metrics.name)]
            Self.ingest(metrics, labels, into: &out)
            for stage in metrics.stages { Self.stage(stage, labels + [("stage", stage.name)], into: &out) }
            for window in metrics.windows { Self.window(window, labels + [("stage", window.stage)], into: &out) }
            for alert in metrics.alerts { Self.alert(alert, labels + [("stage", alert.stage)], into: &out) }
            for output in metrics.outputs { Self.output(output, labels + [("output", output.label)], into: &out) }
        }
        http(into: &out)
        for hook in alerts.hookStats { Self.hook(hook, [("hook", hook.name)], into: &out) }
        return .text(200, out.text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    private static func ingest(_ metrics: PipelineMetrics, _ p: PrometheusText.Labels, into out: inout PrometheusText) {
        out.gauge("pipeline_up", "1 while the pipeline is running.", p, metrics.state == .running ? 1 : 0)
        for (status, count) in metrics.ingest.requestsByStatus where count > 0 {
            out.counter("ingest_requests_total", "Ingestion requests by status.", p + [("status", status)], count)
        }
        out.counter("ingest_events_accepted_total", "Events accepted by ingestion.", p, metrics.ingest.eventsAccepted)
        out.counter("ingest_events_rejected_total", "Malformed events rejected by ingestion.", p, metrics.ingest.eventsRejected)
        out.counter("ingest_bytes_total", "Request body bytes received by ingestion.", p, metrics.ingest.bytes)
        out.gauge("ingest_queue_depth", "Events waiting in the pipeline's input.", p, metrics.queueDepth)
        out.gauge("ingest_queue_capacity", "Capacity of the pipeline's input (its buffer).", p, metrics.queueCapacity)
    }

    private static func stage(_ stage: StageMetricsSnapshot, _ s: PrometheusText.Labels, into out: inout PrometheusText) {
        out.counter("stage_received_total", "Events taken by the stage.", s, stage.received)
        out.counter("stage_emitted_total", "Events the stage passed on.", s, stage.emitted)
        out.counter("stage_filtered_total", "Events the stage dropped on purpose.", s, stage.filtered)
        out.counter("stage_failed_total", "Events whose processing failed.", s, stage.failed)
        out.counter("stage_aggregated_total", "Events folded into windows.", s, stage.aggregated)
        out.gauge("stage_in_flight", "Events being processed.", s, stage.inFlight)
        out.gauge("stage_queue_depth", "Events waiting in the stage's buffer.", s, stage.queueDepth)
        if let capacity = stage.queueCapacity { out.gauge("stage_queue_capacity", "Capacity of the stage's buffer.", s, capacity) }
        out.gauge("stage_workers", "Workers of the stage.", s, stage.workers)
        out.gauge("stage_rate_1m", "Events completed per second over the last minute.", s, stage.rate1m)
        out.counter("stage_backpressure_seconds_total", "Time workers waited for room downstream.", s, stage.backpressureMs / 1000)
        out.histogram("stage_latency_seconds", "Processing time per event.", s, stage.latencyBuckets)
    }

    private static func window(_ window: WindowMonitor, _ s: PrometheusText.Labels, into out: inout PrometheusText) {
        let status = window.status()
        let stats = status?.stats ?? WindowStats()
        out.gauge("window_open", "Windows open now.", s, status?.openWindows ?? 0)
        out.gauge("window_open_keys", "Keys with open windows.", s, status?.openKeys ?? 0)
        out.counter("window_late_events_total", "Events whose windows had closed (sent to the errors log).", s, stats.late)
        out.counter("window_key_limit_rejections_total", "Events refused because max_keys keys were open.", s, stats.keyLimitRejections)
        out.counter("window_invalid_values_total", "Aggregate inputs skipped for their type.", s, window.invalidValues.value)
        out.counter("window_results_total", "Window results emitted.", s + [("final", "true")], stats.finalResults)
        out.counter("window_results_total", "Window results emitted.", s + [("final", "false")], stats.partialResults)
        if let lag = status?.watermarkLag {
            out.gauge("window_watermark_lag_seconds", "How far the watermark is behind the clock.", s, lag.seconds)
        }
    }

    private static func alert(_ alert: AlertMonitor, _ s: PrometheusText.Labels, into out: inout PrometheusText) {
        let snapshot = alert.snapshot
        out.gauge("alert_firing_keys", "Keys whose alert is firing.", s, snapshot.firing.count)
        out.counter("alert_firings_total", "Transitions to firing.", s, snapshot.firings)
        out.counter("alert_resolutions_total", "Transitions to resolved.", s, snapshot.resolutions)
        out.counter("alert_evaluation_errors_total", "Results the condition could not be evaluated on.", s, snapshot.counters.evaluationErrors)
        out.counter("alert_hook_deliveries_total", "Notifications delivered to hooks.", s, snapshot.counters.deliveries)
        out.counter("alert_hook_failures_total", "Notifications hooks failed to take after retries.", s, snapshot.counters.deliveryFailures)
    }

    private static func output(_ output: OutputMetrics, _ o: PrometheusText.Labels, into out: inout PrometheusText) {
        out.counter("output_sent_total", "Events written by the output.", o, output.sent)
        out.counter("output_failed_total", "Events the output failed to write.", o, output.failed)
        out.counter("output_retries_total", "Write attempts retried.", o, output.retries)
        out.gauge("output_writable", "0 while the output cannot be opened or written (retried in the background).", o, output.writable ? 1 : 0)
    }

    private func http(into out: inout PrometheusText) {
        let http = httpCounters
        out.counter("http_requests_oversized_total", "Requests refused for size (413 body, 414/431 request line and headers) before their body was read.", [], http.oversized)
        out.counter("http_requests_malformed_total", "Requests libmicrohttpd refused itself (malformed framing, unsupported HTTP version), with its own HTML page.", [], http.malformed)
        out.counter("http_requests_timed_out_total", "Connections closed because a request ran past request_timeout.", [], http.timedOut)
        out.gauge("http_requests_waiting", "Requests parked waiting for pipeline room or a drain.", [], http.suspended)
        out.gauge("http_connections_open", "Connections open now.", [], http.openConnections)
        out.gauge("http_max_connections", "server.max_connections: beyond it, connections wait in the kernel's backlog.", [], config.server.maxConnections)
    }

    private static func hook(_ hook: AlertHookStats, _ h: PrometheusText.Labels, into out: inout PrometheusText) {
        out.counter("hook_delivered_total", "Alert notifications delivered.", h, hook.delivered)
        out.counter("hook_failed_total", "Alert notifications given up on.", h, hook.failed)
        out.counter("hook_retries_total", "Delivery attempts retried.", h, hook.retries)
        out.counter("hook_dropped_total", "Notifications refused by a full queue.", h, hook.dropped)
        out.gauge("hook_queued", "Notifications waiting for delivery.", h, hook.queued)
    }
}
