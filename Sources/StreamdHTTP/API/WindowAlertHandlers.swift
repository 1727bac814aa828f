package import StreamdCore
import OrderedCollections
import StreamKit

/// `GET /v1/pipelines/{name}/windows` and `GET /v1/alerts` (SPEC §3.3).
extension Daemon {
    /// Per window stage: its status, the open windows (as partial results) and the latest
    /// closed results, oldest first.
    package func windows(_ name: String, limit text: String?) -> HTTPResponse {
        switch (pipelineOrError(name), Daemon.limit(text)) {
        case (.failure(let error), _), (_, .failure(let error)): return error.response
        case (.success(let pipeline), .success(let limit)):
            let stages = pipeline.windows.map { monitor -> JSONValue in
                let (open, recent) = monitor.windows(limit: limit)
                var body = MetricsJSON.window(monitor)
                body["stage"] = .string(monitor.stage)
                body["open"] = .array(open.map(JSONValue.object))
                body["recent"] = .array(recent.map(JSONValue.object))
                return .object(body)
            }
            return .json(200, ["pipeline": .string(name), "windows": .array(stages)])
        }
    }

    /// Keys firing now in every pipeline, the latest transitions, and the hooks' counters.
    package func alertsOverview(limit text: String?) -> HTTPResponse {
        guard case .success(let limit) = Daemon.limit(text) else { return Daemon.limit(text).errorResponse! }
        var firing: [JSONValue] = []
        for pipeline in registry.all {
            for monitor in pipeline.alerts {
                for entry in monitor.snapshot.firing {
                    firing.append([
                        "pipeline": .string(pipeline.definition.name), "alert": .string(monitor.stage),
                        "key": entry.key, "since": .number(entry.since), "result": .object(entry.result),
                    ])
                }
            }
        }
        return .json(200, [
            "firing": .array(firing),
            "recent": .array(alerts.recentTransitions(limit: limit)),
            "hooks": .array(alerts.hookStats.map(MetricsJSON.hook)),
        ])
    }
}

extension Result where Failure == APIError {
    package var errorResponse: HTTPResponse? {
        if case .failure(let error) = self { error.response } else { nil }
    }
}
