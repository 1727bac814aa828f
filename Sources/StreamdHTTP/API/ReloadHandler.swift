package import StreamdCore
import OrderedCollections

/// `POST /v1/reload`: the same as SIGHUP, with the outcome in the answer.
extension Daemon {
    /// Answered from a task: reloading drains the pipelines it changes.
    package func reloadConfiguration() -> HTTPResponse {
        if currentPhase == .draining {
            return APIError(status: 503, code: "shutting_down", message: "streamd is shutting down", headers: [("Retry-After", "5")]).response
        }
        return .later { [self] in await reloadAnswer() }
    }

    private func reloadAnswer() async -> HTTPResponse {
        do {
            let outcome = try await reload()
            return .json(200, outcome.json)
        } catch {
            let errors = error.issues.map { issue -> JSONValue in
                ["path": .string(issue.path), "line": issue.line.map { .number(Double($0)) } ?? .null, "message": .string(issue.message)]
            }
            return APIError.badRequest(
                "invalid_config", "the configuration file has \(error.issues.count) problem(s); the running configuration stays",
                details: ["errors": .array(errors)]
            ).response
        }
    }
}

extension ReloadOutcome {
    package var json: JSONValue {
        func names(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
        return [
            "reloaded": true, "added": names(added), "changed": names(changed), "removed": names(removed),
            "unchanged": names(unchanged), "restart_required": names(restartRequired),
        ]
    }
}
