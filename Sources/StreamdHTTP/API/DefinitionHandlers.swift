package import StreamdCore
import Foundation
import OrderedCollections

/// `PUT` and `DELETE /v1/pipelines/{name}`: pipelines defined at runtime (same schema as YAML).
extension Daemon {
    package func putPipeline(_ request: HTTPRequest, name: String) -> HTTPResponse {
        let dryRun = request.query("dry_run").map { $0 == "true" || $0 == "1" } ?? false
        guard let json = try? JSONParser.parse([UInt8](request.body)) else {
            return APIError.badRequest("invalid_json", "the body must be a JSON pipeline definition (the same schema as under pipelines: in the YAML file)").response
        }
        var issues: [ConfigIssue] = []
        guard let definition = ConfigLoader.pipeline(named: name, from: ConfigNode(json: json), path: "", components: components, hooks: hookNames, issues: &issues) else {
            let errors = issues.map { issue -> JSONValue in ["path": .string(issue.path), "message": .string(issue.message)] }
            return APIError.badRequest("invalid_definition", "the pipeline definition has \(issues.count) problem(s)", details: ["errors": .array(errors)]).response
        }
        if registry.origin(of: name) == .file {
            return APIError(status: 409, code: "defined_in_config_file", message: "pipeline \"\(name)\" is defined in the configuration file; change it there and reload").response
        }
        if dryRun { return .json(200, ["valid": true, "name": .string(name), "definition": definition.source]) }
        if currentPhase == .draining {
            return APIError(status: 503, code: "shutting_down", message: "streamd is shutting down", headers: [("Retry-After", "5")]).response
        }
        return .later { [self] in await replacePipeline(definition) }
    }

    /// Stores and starts `definition`, draining the pipeline it replaces meanwhile.
    private func replacePipeline(_ definition: PipelineDefinition) async -> HTTPResponse {
        await changingDefinitions {
            do {
                try await store.save(definition)
            } catch {
                return APIError(status: 500, code: "persist_failed", message: "could not save the definition under \(store.directory.path): \(error.localizedDescription)").response
            }
            let (runtime, replaced) = registry.put(definition)
            if let replaced { await replaced.stop(within: config.shutdownTimeout) }
            if definition.autostart { runtime.start() }
            return .json(replaced == nil ? 201 : 200, summary(runtime))
        }
    }

    package func deletePipeline(_ name: String) -> HTTPResponse {
        switch registry.origin(of: name) {
        case nil: return APIError.notFound("no pipeline named \"\(name)\"").response
        case .file:
            return APIError(status: 409, code: "defined_in_config_file", message: "pipeline \"\(name)\" is defined in the configuration file; remove it there and reload").response
        case .api: break
        }
        return .later { [self] in await removePipeline(name) }
    }

    /// Forgets and drains an API-created pipeline.
    private func removePipeline(_ name: String) async -> HTTPResponse {
        await changingDefinitions {
            do {
                try await store.delete(name)
            } catch {
                return APIError(status: 500, code: "persist_failed", message: "could not delete the stored definition: \(error.localizedDescription)").response
            }
            guard let removed = registry.remove(name) else { return APIError.notFound("no pipeline named \"\(name)\"").response }
            await removed.stop(within: config.shutdownTimeout)
            return .json(200, ["deleted": .string(name), "state": .string(removed.currentState.rawValue)])
        }
    }
}
