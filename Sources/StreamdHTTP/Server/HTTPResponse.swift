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

    /// What a handler returns after ``HTTPRequest/suspend()``: the answer comes later.
    package static let suspended = HTTPResponse(status: 0)

    package var isSuspended: Bool { status == 0 }

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
