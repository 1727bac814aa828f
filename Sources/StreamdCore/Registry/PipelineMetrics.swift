import Synchronization
package import StreamKit

/// Stage and output counters of finished runs, so a restarted pipeline's counters keep growing.
package struct RuntimeTotals: Sendable {
    package var stages: [StageMetricsSnapshot] = []
    package var outputs: [OutputMetrics] = []

    /// Adds a run's counters: stage by stage (same definition, same order) and output by output.
    package mutating func add(_ run: PipelineMetricsSnapshot, outputs runners: [OutputRunner]) {
        if stages.isEmpty {
            stages = run.stages
        } else {
            for (index, stage) in run.stages.enumerated() where index < stages.count {
                stages[index].received += stage.received
                stages[index].emitted += stage.emitted
                stages[index].filtered += stage.filtered
                stages[index].failed += stage.failed
                stages[index].aggregated += stage.aggregated
                stages[index].inFlight += stage.inFlight
                stages[index].backpressureMs += stage.backpressureMs
                stages[index].queueDepth = stage.queueDepth
                stages[index].rate1s = stage.rate1s
                stages[index].rate1m = stage.rate1m
                stages[index].latencyMs = stage.latencyMs
                stages[index].latencyBuckets.add(stage.latencyBuckets)
                stages[index].liveWorkers = stage.liveWorkers
            }
        }
        let current = runners.map {
            OutputMetrics(
                label: $0.sink.label, sent: $0.counters.sent.load(ordering: .relaxed),
                failed: $0.counters.failed.load(ordering: .relaxed), retries: $0.counters.retries.load(ordering: .relaxed),
                writable: $0.sink.reportedStatus?.writable ?? true, notWritableReason: $0.sink.reportedStatus?.reason
            )
        }
        if outputs.isEmpty {
            outputs = current
        } else {
            for (index, output) in current.enumerated() where index < outputs.count {
                outputs[index].sent += output.sent
                outputs[index].failed += output.failed
                outputs[index].retries += output.retries
                outputs[index].writable = output.writable
                outputs[index].notWritableReason = output.notWritableReason
            }
        }
    }
}

package struct OutputMetrics: Sendable {
    package var label: String
    package var sent: Int
    package var failed: Int
    package var retries: Int
    /// The latest run's state: `false` while the output is retried in the background.
    package var writable = true
    package var notWritableReason: String?
}

/// Everything `/v1/metrics` and `/metrics` report about one pipeline (SPEC §3.4).
package struct PipelineMetrics: Sendable {
    package var name: String
    package var state: PipelineState
    package var ingest: IngestCounters.Snapshot
    package var stages: [StageMetricsSnapshot]
    package var outputs: [OutputMetrics]
    package var queueDepth: Int
    package var queueCapacity: Int
    /// Window and alert stages, for their own figures.
    package var windows: [WindowMonitor] = []
    package var alerts: [AlertMonitor] = []
}
