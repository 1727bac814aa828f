import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Outbound POSTs to one URL, for webhook hooks and the http output.
///
/// Uses the toolchain's `URLSession` (libcurl underneath on Linux): both callers are low-rate
/// and off the hot path, so per-request timeouts, connection reuse and TLS matter more than
/// speed, and no dependency is added. One ephemeral session per poster: nothing cached or stored.
package final class HTTPPoster: Sendable {
    /// The URL as logs, errors and metric labels show it: without credentials (see ``redacted(_:)``).
    package let url: String
    package let timeout: Duration
    private let endpoint: URL?
    private let headers: [String: String]
    private let session: URLSession

    package init(url: String, timeout: Duration, headers: [String: String]) {
        self.url = Self.redacted(url)
        self.timeout = timeout
        self.headers = headers
        endpoint = URL(string: url)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.sessionTimeout(timeout)
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    /// `url` without what may be a secret: the user and password, and the query string
    /// (`?token=…`), which become `***`.
    package static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        if components.user != nil || components.password != nil {
            components.user = "***"
            components.password = nil
        }
        if components.query != nil { components.percentEncodedQuery = "***" }
        return components.string ?? url
    }

    /// URLSession's own timer, as a backstop only: on Linux it truncates to whole seconds (so
    /// 300 ms would time out at once), so the exact deadline is `withDeadline`'s.
    private static func sessionTimeout(_ timeout: Duration) -> Double {
        timeout.seconds.rounded(.up) + 1
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    /// One attempt: returns the 2xx status, or throws with what went wrong.
    @discardableResult
    package func post(_ body: [UInt8], contentType: String, headers extra: [String: String] = [:]) async throws(HTTPPostError) -> Int {
        guard let endpoint else { throw HTTPPostError(url: url, reason: .transport("not a valid URL")) }
        var request = URLRequest(url: endpoint, timeoutInterval: Self.sessionTimeout(timeout))
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.setValue("streamd/\(StreamdVersion.current)", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers.merging(extra, uniquingKeysWith: { _, new in new }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        request.httpBody = Data(body)
        let result = await withDeadline(timeout) { [session, url, timeout, request] () async -> Result<Int, HTTPPostError> in
            do {
                let (_, response) = try await session.data(for: request)
                guard let status = (response as? HTTPURLResponse)?.statusCode else {
                    return .failure(HTTPPostError(url: url, reason: .transport("not an HTTP response")))
                }
                return (200..<300).contains(status) ? .success(status) : .failure(HTTPPostError(url: url, reason: .status(status)))
            } catch {
                if Task.isCancelled { return .failure(HTTPPostError(url: url, reason: .cancelled)) }
                return .failure(HTTPPostError(url: url, reason: HTTPPostError.reason(for: error, timeout: timeout)))
            }
        }
        return try (result ?? .failure(HTTPPostError(url: url, reason: .timedOut(timeout)))).get()
    }

    /// `operation`'s result, or `nil` when `limit` passes first (the operation is then
    /// cancelled, and awaited: URLSession's cancellation ends it promptly).
    private func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            // The deadline passed, or this task was cancelled: the operation reports which.
            return Task.isCancelled ? await group.next() ?? nil : nil
        }
    }
}

/// Why a POST failed; names the URL and the status or transport problem.
package struct HTTPPostError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: Sendable, Equatable {
        case status(Int)
        case timedOut(Duration)
        case cancelled
        case transport(String)
    }

    package let url: String
    package let reason: Reason

    /// Worth another attempt: no answer, a 5xx or a 429. Other statuses will not change.
    package var isRetryable: Bool {
        switch reason {
        case .status(let status): status >= 500 || status == 429
        case .timedOut, .transport: true
        case .cancelled: false
        }
    }

    package var description: String {
        switch reason {
        case .status(let status): "POST \(url): the server answered \(status)"
        case .timedOut(let limit): "POST \(url): no answer within \(limit.seconds.formatted)s"
        case .cancelled: "POST \(url): cancelled"
        case .transport(let problem): "POST \(url): \(problem)"
        }
    }

    package static func reason(for error: any Error, timeout: Duration) -> Reason {
        guard let error = error as? URLError else { return .transport("\(error)") }
        switch error.code {
        case .timedOut: return .timedOut(timeout)
        case .cannotConnectToHost: return .transport("cannot connect (connection refused)")
        case .cannotFindHost, .dnsLookupFailed: return .transport("cannot resolve the host")
        case .networkConnectionLost: return .transport("the connection was lost")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid:
            return .transport("TLS failed: \(error.localizedDescription)")
        default: return .transport("\(error.localizedDescription) (URLError \(error.code.rawValue))")
        }
    }
}
