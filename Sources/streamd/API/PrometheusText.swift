import Foundation
import StreamKit

/// `GET /metrics`: the same figures as `/v1/metrics` in the Prometheus text exposition format,
/// labelled by `pipeline` and `stage` (and `output`, `status`).
struct PrometheusText {
    private var families: [(name: String, type: String, help: String, samples: [String])] = []

    mutating func add(_ name: String, _ type: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
        let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        let sample = "streamd_\(name)\(labelText) \(Self.format(value))"
        if let index = families.firstIndex(where: { $0.name == name }) {
            families[index].samples.append(sample)
        } else {
            families.append((name, type, help, [sample]))
        }
    }

    var text: String {
        families.map { family in
            "# HELP streamd_\(family.name) \(family.help)\n# TYPE streamd_\(family.name) \(family.type)\n"
                + family.samples.joined(separator: "\n") + "\n"
        }.joined()
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension Daemon {
    func metricsPrometheus() -> HTTPResponse {
        var out = PrometheusText()
        for pipeline in registry.all {
            let metrics = pipeline.metrics()
            let p = [("pipeline", metrics.name)]
            out.add("pipeline_up", "gauge", "1 while the pipeline is running.", p, metrics.state == .running ? 1 : 0)
            for (status, count) in metrics.ingest.requestsByStatus where count > 0 {
                out.add("ingest_requests_total", "counter", "Ingestion requests by status.", p + [("status", status)], Double(count))
            }
            out.add("ingest_events_accepted_total", "counter", "Events accepted by ingestion.", p, Double(metrics.ingest.eventsAccepted))
            out.add("ingest_events_rejected_total", "counter", "Malformed events rejected by ingestion.", p, Double(metrics.ingest.eventsRejected))
            out.add("ingest_bytes_total", "counter", "Request body bytes received by ingestion.", p, Double(metrics.ingest.bytes))
            for stage in metrics.stages {
                let s = p + [("stage", stage.name)]
                out.add("stage_received_total", "counter", "Events taken by the stage.", s, Double(stage.received))
                out.add("stage_emitted_total", "counter", "Events the stage passed on.", s, Double(stage.emitted))
                out.add("stage_filtered_total", "counter", "Events the stage dropped on purpose.", s, Double(stage.filtered))
                out.add("stage_failed_total", "counter", "Events whose processing failed.", s, Double(stage.failed))
                out.add("stage_aggregated_total", "counter", "Events folded into windows.", s, Double(stage.aggregated))
                out.add("stage_in_flight", "gauge", "Events being processed.", s, Double(stage.inFlight))
                out.add("stage_queue_depth", "gauge", "Events waiting in the stage's buffer.", s, Double(stage.queueDepth))
                out.add("stage_workers", "gauge", "Workers of the stage.", s, Double(stage.workers))
                out.add("stage_rate_1m", "gauge", "Events completed per second over the last minute.", s, stage.rate1m)
                out.add("stage_backpressure_seconds_total", "counter", "Time workers waited for room downstream.", s, stage.backpressureMs / 1000)
                for (quantile, value) in [("0.5", stage.latencyMs.p50), ("0.9", stage.latencyMs.p90), ("0.99", stage.latencyMs.p99)] {
                    out.add("stage_latency_seconds", "gauge", "Per-event processing time quantiles.", s + [("quantile", quantile)], value / 1000)
                }
            }
            for window in metrics.windows {
                let s = p + [("stage", window.stage)]
                let status = window.status()
                let stats = status?.stats ?? WindowStats()
                out.add("window_open", "gauge", "Windows open now.", s, Double(status?.openWindows ?? 0))
                out.add("window_open_keys", "gauge", "Keys with open windows.", s, Double(status?.openKeys ?? 0))
                out.add("window_late_events_total", "counter", "Events whose windows had closed (sent to the errors log).", s, Double(stats.late))
                out.add("window_key_limit_rejections_total", "counter", "Events refused because max_keys keys were open.", s, Double(stats.keyLimitRejections))
                out.add("window_invalid_values_total", "counter", "Aggregate inputs skipped for their type.", s, Double(window.invalidValues.value))
                out.add("window_results_total", "counter", "Window results emitted.", s + [("final", "true")], Double(stats.finalResults))
                out.add("window_results_total", "counter", "Window results emitted.", s + [("final", "false")], Double(stats.partialResults))
                if let lag = status?.watermarkLag {
                    out.add("window_watermark_lag_seconds", "gauge", "How far the watermark is behind the clock.", s, lag.seconds)
                }
            }
            for alert in metrics.alerts {
                let s = p + [("stage", alert.stage)]
                let snapshot = alert.snapshot
                out.add("alert_firing_keys", "gauge", "Keys whose alert is firing.", s, Double(snapshot.firing.count))
                out.add("alert_firings_total", "counter", "Transitions to firing.", s, Double(snapshot.firings))
                out.add("alert_resolutions_total", "counter", "Transitions to resolved.", s, Double(snapshot.resolutions))
                out.add("alert_evaluation_errors_total", "counter", "Results the condition could not be evaluated on.", s, Double(snapshot.counters.evaluationErrors))
                out.add("alert_hook_deliveries_total", "counter", "Notifications delivered to hooks.", s, Double(snapshot.counters.deliveries))
                out.add("alert_hook_failures_total", "counter", "Notifications hooks failed to take after retries.", s, Double(snapshot.counters.deliveryFailures))
            }
            for output in metrics.outputs {
                let o = p + [("output", output.label)]
                out.add("output_sent_total", "counter", "Events written by the output.", o, Double(output.sent))
                out.add("output_failed_total", "counter", "Events the output failed to write.", o, Double(output.failed))
                out.add("output_retries_total", "counter", "Write attempts retried.", o, Double(output.retries))
                out.add("output_writable", "gauge", "0 while the output cannot be opened or written (retried in the background).", o, output.writable ? 1 : 0)
            }
        }
        let http = httpCounters
        out.add("http_requests_oversized_total", "counter", "Requests refused with 413 before their body was read.", [], Double(http.oversized))
        out.add("http_requests_timed_out_total", "counter", "Connections closed because a request ran past request_timeout.", [], Double(http.timedOut))
        out.add("http_requests_waiting", "gauge", "Ingest requests parked waiting for pipeline room.", [], Double(http.suspended))
        out.add("http_connections_open", "gauge", "Connections open now.", [], Double(http.openConnections))
        out.add("http_max_connections", "gauge", "server.max_connections: beyond it, connections wait in the kernel's backlog.", [], Double(config.server.maxConnections))
        for hook in alerts.hookStats {
            let h = [("hook", hook.name)]
            out.add("hook_delivered_total", "counter", "Alert notifications delivered.", h, Double(hook.delivered))
            out.add("hook_failed_total", "counter", "Alert notifications given up on.", h, Double(hook.failed))
            out.add("hook_retries_total", "counter", "Delivery attempts retried.", h, Double(hook.retries))
            out.add("hook_dropped_total", "counter", "Notifications refused by a full queue.", h, Double(hook.dropped))
            out.add("hook_queued", "gauge", "Notifications waiting for delivery.", h, Double(hook.queued))
        }
        return .text(200, out.text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
