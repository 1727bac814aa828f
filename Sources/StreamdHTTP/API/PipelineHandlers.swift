package import StreamdCore
import OrderedCollections
import StreamKit

/// The control endpoints: `POST /v1/pipelines/{name}/{start|stop|restart}`.
package enum PipelineAction: String, CaseIterable, Sendable {
    case start, stop, restart
}

extension Daemon {
    package func listPipelines() -> HTTPResponse {
        .json(200, ["pipelines": .array(registry.all.map { summary($0) })])
    }

    package func describePipeline(_ name: String) -> HTTPResponse {
        switch pipelineOrError(name) {
        case .failure(let error): return error.response
        case .success(let pipeline):
            guard case .object(var body) = summary(pipeline) else { return .json(500, nil) }
            body["definition"] = pipeline.definition.source
            body["stages"] = .array(pipeline.metrics().stages.map(MetricsJSON.stage))
            return .json(200, .object(body))
        }
    }

    /// Idempotent: starting a running pipeline or stopping a stopped one is a no-op with 200.
    /// `stop` and `restart` answer once drained, from a task.
    package func control(_ name: String, _ action: PipelineAction) -> HTTPResponse {
        switch pipelineOrError(name) {
        case .failure(let error): return error.response
        case .success(let pipeline):
            if currentPhase == .draining, action != .stop {
                return APIError(status: 503, code: "shutting_down", message: "streamd is shutting down", headers: [("Retry-After", "5")]).response
            }
            let timeout = config.shutdownTimeout
            switch action {
            case .start:
                pipeline.start()
                return .json(200, summary(pipeline))
            case .stop, .restart:
                return .later { [self] in
                    await pipeline.stop(within: timeout)
                    if action == .restart { pipeline.start() }
                    return .json(200, summary(pipeline))
                }
            }
        }
    }

    package func output(_ name: String, limit text: String?) -> HTTPResponse {
        switch (pipelineOrError(name), Daemon.limit(text)) {
        case (.failure(let error), _), (_, .failure(let error)): return error.response
        case (.success(let pipeline), .success(let limit)):
            let events = pipeline.memory?.latest(limit) ?? []
            return .json(200, ["events": .array(events.map(JSONValue.object))])
        }
    }

    package func failures(_ name: String, limit text: String?) -> HTTPResponse {
        switch (pipelineOrError(name), Daemon.limit(text)) {
        case (.failure(let error), _), (_, .failure(let error)): return error.response
        case (.success(let pipeline), .success(let limit)):
            let errors = pipeline.errors.latest(limit).map { entry -> JSONValue in
                ["stage": .string(entry.stage), "input": entry.input, "error": .string(entry.error), "at": .number(entry.at)]
            }
            return .json(200, ["errors": .array(errors)])
        }
    }

    package func summary(_ pipeline: PipelineRuntime) -> JSONValue {
        let metrics = pipeline.metrics()
        var body: JSONObject = [
            "name": .string(pipeline.definition.name),
            "state": .string(metrics.state.rawValue),
            "autostart": .bool(pipeline.definition.autostart),
            "accepted": .number(Double(metrics.ingest.eventsAccepted)),
            "delivered": .number(Double(metrics.stages.last?.emitted ?? 0)),
            "failed": .number(Double(metrics.stages.reduce(0) { $0 + $1.failed })),
            "filtered": .number(Double(metrics.stages.reduce(0) { $0 + $1.filtered })),
        ]
        if let error = pipeline.lastError { body["last_error"] = .string(error) }
        return .object(body)
    }
}
