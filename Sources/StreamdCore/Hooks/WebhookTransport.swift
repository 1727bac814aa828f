/// POSTs the notification as JSON to a URL, signed with HMAC-SHA256 of the body when the hook
/// has a secret (`X-Streamd-Signature: sha256=<hex>`), so the receiver can check who sent it.
package struct WebhookTransport: HookTransport {
    package let label: String
    private let poster: HTTPPoster
    private let secret: [UInt8]?

    package init(url: String, secret: String?, headers: [String: String], timeout: Duration) {
        label = "webhook:\(HTTPPoster.redacted(url))"
        poster = HTTPPoster(url: url, timeout: timeout, headers: headers)
        self.secret = secret.map { Array($0.utf8) }
    }

    package func deliver(_ notification: JSONValue) async throws {
        let body = JSONWriter.bytes(notification)
        var headers: [String: String] = [:]
        if let secret {
            headers["X-Streamd-Signature"] = WebhookSignature.header(for: body, secret: secret)
        }
        try await poster.post(body, contentType: "application/json", headers: headers)
    }
}
