package import StreamdCore
import OrderedCollections

/// An error as every endpoint reports it (SPEC §3.3):
/// `{"error": {"code": "snake_case_code", "message": "human readable", ...details}}`.
package struct APIError: Error, Sendable {
    package var status: Int
    /// Stable, machine-readable; clients may branch on it.
    package var code: String
    package var message: String
    /// Extra members of the error object (`errors`, `retry_after_seconds`, …).
    package var details: JSONObject = [:]
    package var headers: [(name: String, value: String)] = []

    package var response: HTTPResponse {
        var error: JSONObject = ["code": .string(code), "message": .string(message)]
        for (key, value) in details { error[key] = value }
        return .json(status, .object(["error": .object(error)]), headers: headers)
    }

    package static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "not_found", message: message)
    }

    package static func methodNotAllowed(_ method: String, allowed: [String]) -> APIError {
        APIError(
            status: 405, code: "method_not_allowed",
            message: "\(method) is not allowed here; use \(allowed.joined(separator: " or "))",
            headers: [("Allow", allowed.joined(separator: ", "))]
        )
    }

    package static func badRequest(_ code: String, _ message: String, details: JSONObject = [:]) -> APIError {
        APIError(status: 400, code: code, message: message, details: details)
    }
}
