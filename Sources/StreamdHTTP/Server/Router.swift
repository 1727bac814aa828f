import StreamdCore
/// Maps a method and path to a handler. Patterns are literal segments and `{name}` parameters:
/// `/v1/pipelines/{name}/events`.
///
/// A path that matches a pattern under another method answers 405 with `Allow`; a path that
/// matches nothing answers 404, both in the API's JSON error shape.
package struct Router: Sendable {
    package typealias Handler = @Sendable (_ request: HTTPRequest, _ parameters: [String: String]) -> HTTPResponse

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route: Sendable {
        let method: String
        let segments: [Segment]
        let access: Access
        let handler: Handler
    }

    private var routes: [Route] = []
    /// Checks tokens when `server.auth` is configured; `nil`: every endpoint is open.
    package var authenticator: Authenticator?

    /// Adds a route. `access` is what a request needs when authentication is on (by default
    /// the `admin` scope).
    package mutating func add(_ method: String, _ pattern: String, access: Access = .scope(.admin), _ handler: @escaping Handler) {
        let segments = Self.split(pattern).map { part -> Segment in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(part)
        }
        routes.append(Route(method: method, segments: segments, access: access, handler: handler))
    }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let parts = Self.split(request.path)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            if route.method == request.method || (request.method == "HEAD" && route.method == "GET") {
                if let authenticator, let refusal = authenticator.check(request.header("Authorization"), access: route.access) {
                    return refusal.response
                }
                return route.handler(request, parameters)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if !allowed.isEmpty { return APIError.methodNotAllowed(request.method, allowed: allowed).response }
        return APIError.notFound("no endpoint \(request.path); see the README for the API").response
    }

    private static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private static func match(_ segments: [Segment], _ parts: [String]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal): if literal != part { return nil }
            // libmicrohttpd has already percent-decoded the path: decoding again would make
            // `%2569` mean `i`.
            case .parameter(let name): parameters[name] = part
            }
        }
        return parameters
    }

    package init() {}
}
