package import StreamdCore
extension Daemon {
    /// Ready when every autostart pipeline runs; 503 with the reasons while starting or draining.
    package func readiness() -> HTTPResponse {
        var reasons: [JSONValue] = []
        switch currentPhase {
        case .starting: reasons.append("starting")
        case .draining: reasons.append("shutting down")
        case .ready: break
        }
        for pipeline in registry.all where pipeline.definition.autostart && pipeline.currentState != .running {
            reasons.append(.string("pipeline \(pipeline.definition.name) is \(pipeline.currentState.rawValue)"))
        }
        if reasons.isEmpty { return .json(200, ["status": "ready"]) }
        return .json(503, ["status": "not_ready", "reasons": .array(reasons)], headers: [("Retry-After", "1")])
    }
}
