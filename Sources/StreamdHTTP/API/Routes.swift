package import StreamdCore
/// Every endpoint of the HTTP API (SPEC §3.3), in one table.
extension Daemon {
    package func makeRouter() -> Router {
        var router = Router()
        router.authenticator = config.server.auth.map(Authenticator.init)
        router.add("GET", "/healthz", access: .open) { _, _ in .json(200, ["status": "ok"]) }
        router.add("GET", "/readyz", access: .open) { [self] _, _ in readiness() }
        router.add("GET", "/v1/pipelines") { [self] _, _ in listPipelines() }
        router.add("GET", "/v1/pipelines/{name}") { [self] _, parameters in describePipeline(parameters["name"]!) }
        router.add("PUT", "/v1/pipelines/{name}") { [self] request, parameters in putPipeline(request, name: parameters["name"]!) }
        router.add("DELETE", "/v1/pipelines/{name}") { [self] _, parameters in deletePipeline(parameters["name"]!) }
        for action in PipelineAction.allCases {
            router.add("POST", "/v1/pipelines/{name}/\(action.rawValue)") { [self] _, parameters in
                control(parameters["name"]!, action)
            }
        }
        router.add("POST", "/v1/pipelines/{name}/events", access: .scope(.ingest)) { [self] request, parameters in
            ingest(request, pipeline: parameters["name"]!)
        }
        router.add("GET", "/v1/pipelines/{name}/output") { [self] request, parameters in
            output(parameters["name"]!, limit: request.query("limit"))
        }
        router.add("GET", "/v1/pipelines/{name}/errors") { [self] request, parameters in
            failures(parameters["name"]!, limit: request.query("limit"))
        }
        router.add("GET", "/v1/pipelines/{name}/windows") { [self] request, parameters in
            windows(parameters["name"]!, limit: request.query("limit"))
        }
        router.add("GET", "/v1/alerts") { [self] request, _ in alertsOverview(limit: request.query("limit")) }
        router.add("POST", "/v1/reload") { [self] _, _ in reloadConfiguration() }
        router.add("GET", "/v1/metrics", access: .metrics) { [self] _, _ in metricsJSON() }
        router.add("GET", "/metrics", access: .metrics) { [self] _, _ in metricsPrometheus() }
        return router
    }

    package func pipelineOrError(_ name: String) -> Result<PipelineRuntime, APIError> {
        guard let pipeline = registry[name] else { return .failure(.notFound("no pipeline named \"\(name)\"")) }
        return .success(pipeline)
    }

    /// `?limit=N`: 100 by default, at most 10 000.
    package static func limit(_ text: String?) -> Result<Int, APIError> {
        guard let text else { return .success(100) }
        guard let limit = Int(text), limit >= 0 else {
            return .failure(.badRequest("invalid_limit", "limit must be a non-negative whole number, got \"\(text)\""))
        }
        return .success(min(limit, 10_000))
    }
}
