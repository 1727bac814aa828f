import StreamdCore
package import CHttp

/// A complete HTTP request as libmicrohttpd hands it over.
///
/// Valid only while its handler runs: the path, headers and body live in libmicrohttpd's
/// per-connection memory. Handlers copy what they keep.
package struct HTTPRequest {
    package let method: String
    package let path: String
    /// The request body; empty when there is none.
    package let body: UnsafeRawBufferPointer
    private let raw: UnsafeMutablePointer<chttp_request>?
    private let headerOverrides: [String: String]

    package init(raw: UnsafeMutablePointer<chttp_request>) {
        self.raw = raw
        self.method = String(cString: raw.pointee.method)
        self.path = String(cString: raw.pointee.path)
        self.body = UnsafeRawBufferPointer(start: raw.pointee.body, count: raw.pointee.body_length)
        self.headerOverrides = [:]
    }

    /// A request made in memory, for unit tests of handlers and the router.
    package init(method: String, path: String, body: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), headers: [String: String] = [:]) {
        self.raw = nil
        self.method = method
        self.path = path
        self.body = body
        self.headerOverrides = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
    }

    /// A header value, by case-insensitive name.
    package func header(_ name: String) -> String? {
        guard let raw else { return headerOverrides[name.lowercased()] }
        return chttp_request_header(raw, name).map { String(cString: $0) }
    }

    /// A decoded query-string argument (`?limit=10`).
    package func query(_ key: String) -> String? {
        guard let raw else { return nil }
        return chttp_request_query(raw, key).map { String(cString: $0) }
    }
}
