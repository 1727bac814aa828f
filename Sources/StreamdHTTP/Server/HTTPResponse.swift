package import StreamdCore
/// What a handler answers.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var contentType: String?
    package var body: [UInt8]
    /// At most four extra headers (`Retry-After`, `Allow`, …): the bridge's fixed limit.
    package var headers: [(name: String, value: String)]

    package init(status: Int, contentType: String? = nil, body: [UInt8] = [], headers: [(name: String, value: String)] = []) {
        precondition(headers.count <= 4, "the HTTP bridge carries at most 4 extra headers")
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// Work that answers later (a drain, a wait for pipeline room): the server parks the
    /// connection and runs it in a task, so no HTTP thread waits meanwhile. Read the request
    /// (body, query) before: it is not valid once the handler has returned.
    package var later: (@Sendable () async -> HTTPResponse)?

    /// An answer that `work` gives later, from a task.
    package static func later(_ work: @escaping @Sendable () async -> HTTPResponse) -> HTTPResponse {
        var response = HTTPResponse(status: 0)
        response.later = work
        return response
    }

    /// The final answer: `later`'s, once it has run (for requests made in memory, in tests).
    package func resolved() async -> HTTPResponse {
        guard let later else { return self }
        return await later().resolved()
    }

    /// A JSON body.
    package static func json(_ status: Int, _ value: JSONValue, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: JSONWriter.bytes(value), headers: headers)
    }

    /// Plain text (`text/plain; version=0.0.4` for Prometheus).
    package static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }

    /// A header's value, by case-insensitive name.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
