package import StreamdCore
package import CHttp
import StreamKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// streamd's HTTP listener: libmicrohttpd's internal polling threads, calling one handler per
/// complete request.
package final class HTTPServer: Sendable {
    package struct Configuration: Sendable {
        package var address = "127.0.0.1"
        /// 0 picks a free port (read it back from ``port``).
        package var port = 8080
        /// Polling threads; about the core count is best here (see shared notes on MHD).
        package var threads = 2
        package var maxConnections = 1024
        package var connectionTimeoutSeconds = 30
        /// Longest a request may take, however it trickles in (0: no limit).
        package var requestTimeoutSeconds = 60
        package var maxBodyBytes = 8 * 1024 * 1024
        /// Request line and headers; a larger block gets 431 (414 for the request line alone).
        package var maxHeaderBytes = 64 * 1024
        /// A listening socket to serve instead of binding `address` and `port` (socket activation).
        package var listenDescriptor: Int32?

        package init() {}
    }

    package typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    package struct StartError: Error, CustomStringConvertible {
        package let description: String
    }

    /// The C server; immutable after init, freed once in ``stop()``.
    private nonisolated(unsafe) let server: OpaquePointer
    private let context: Unmanaged<HTTPHandlerBox>
    /// The bound port.
    package let port: Int

    package init(configuration: Configuration, handler: @escaping Handler) throws {
        let context = Unmanaged.passRetained(HTTPHandlerBox(handler: handler))
        var config = chttp_config()
        config.port = UInt16(clamping: configuration.port)
        config.listen_fd = configuration.listenDescriptor ?? -1
        config.threads = UInt32(max(1, configuration.threads))
        config.max_connections = UInt32(clamping: configuration.maxConnections)
        config.connection_timeout_seconds = UInt32(clamping: max(1, configuration.connectionTimeoutSeconds))
        config.request_timeout_seconds = UInt32(clamping: max(0, configuration.requestTimeoutSeconds))
        config.max_body_bytes = configuration.maxBodyBytes
        config.max_header_bytes = configuration.maxHeaderBytes
        config.handler = HTTPServerCallback.handle
        config.context = context.toOpaque()
        var error = [CChar](repeating: 0, count: 256)
        let started = configuration.address.withCString { address in
            config.address = address
            return chttp_start(&config, &error, error.count)
        }
        guard let started else {
            context.release()
            throw StartError(description: String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
        }
        self.server = started
        self.context = context
        self.port = Int(chttp_port(started))
    }

    /// Requests refused by the bridge for size: body (413), request line and headers (414, 431).
    package var oversizedRequests: Int { Int(chttp_oversized_requests(server)) }
    /// Requests libmicrohttpd refused itself, with its own HTML page.
    package var malformedRequests: Int { Int(chttp_malformed_requests(server)) }
    /// Connections closed because a request ran past the request timeout.
    package var timedOutRequests: Int { Int(chttp_timed_out_requests(server)) }
    package var openConnections: Int { Int(chttp_open_connections(server)) }

    /// Stops accepting connections; requests in progress finish.
    package func quiesce() { chttp_quiesce(server) }

    /// Requests parked for a later answer (``HTTPResponse/later(_:)``) and not answered yet.
    package var pendingRequests: Int { Int(chttp_pending_requests(server)) }

    /// Stops the server. Call once; no handler runs after it returns. Parked requests must be
    /// answered first (libmicrohttpd forbids stopping with any pending): their waits are bounded
    /// (`ingest.max_wait`; a control request's drain ends with the daemon's own, which shares its
    /// deadline), so this awaits them, at most `pendingTimeout`.
    package func stop(pendingTimeout: Duration = .seconds(10)) async {
        let answering = context.takeUnretainedValue().answering
        _ = await Deadline.within(pendingTimeout) { await answering.waitUntilIdle() }
        chttp_stop(server)
        context.release()
    }
}

/// Keeps the handler alive for the C side, which holds it through an opaque pointer.
package final class HTTPHandlerBox: Sendable {
    package let handler: HTTPServer.Handler
    /// Parked requests whose task has not answered yet, awaited by ``HTTPServer/stop(pendingTimeout:)``.
    let answering = PendingWork()
    package init(handler: @escaping HTTPServer.Handler) { self.handler = handler }
}

/// The C callback, in a nonisolated type of its own: a closure written in `main.swift` would be
/// `@MainActor` and trap when libmicrohttpd's threads call it.
package enum HTTPServerCallback {
    package static let handle: chttp_handler = { context, request in
        guard let context, let request else { return }
        let box = Unmanaged<HTTPHandlerBox>.fromOpaque(context).takeUnretainedValue()
        let response = box.handler(HTTPRequest(raw: request))
        guard let work = response.later else { return respond(request, response) }
        // Park the connection and answer from a task: this thread goes back to serving others.
        guard let pending = chttp_suspend(request) else {
            return respond(request, APIError(status: 503, code: "server_busy", message: "the request could not be parked; retry", headers: [("Retry-After", "1")]).response)
        }
        let reply = PendingReply(pending)
        box.answering.begin()
        Task {
            reply.resume(await work().resolved())
            box.answering.end()
        }
    }

    package static func respond(_ request: UnsafeMutablePointer<chttp_request>, _ response: HTTPResponse) {
        withCResponse(response) { chttp_respond(request, $0) }
    }

    /// Lends `response` to C as a `chttp_response` whose pointers live for the call.
    package static func withCResponse(_ response: HTTPResponse, _ body: (UnsafePointer<chttp_response>) -> Void) {
        var cResponse = chttp_response()
        cResponse.status = UInt32(response.status)
        var allocated: [UnsafeMutablePointer<CChar>] = []
        defer { allocated.forEach { free($0) } }
        func cString(_ string: String) -> UnsafePointer<CChar> {
            let copy = strdup(string)!
            allocated.append(copy)
            return UnsafePointer(copy)
        }
        if let contentType = response.contentType { cResponse.content_type = cString(contentType) }
        withUnsafeMutableBytes(of: &cResponse.header_names) { names in
            withUnsafeMutableBytes(of: &cResponse.header_values) { values in
                let namePointers = names.bindMemory(to: UnsafePointer<CChar>?.self)
                let valuePointers = values.bindMemory(to: UnsafePointer<CChar>?.self)
                for (index, header) in response.headers.prefix(4).enumerated() {
                    namePointers[index] = cString(header.name)
                    valuePointers[index] = cString(header.value)
                }
            }
        }
        response.body.withUnsafeBufferPointer { bytes in
            cResponse.body = bytes.baseAddress
            cResponse.body_length = bytes.count
            withUnsafePointer(to: &cResponse) { body($0) }
        }
    }
}

/// The answer to a suspended request, given once from any thread.
package final class PendingReply: Sendable {
    /// Owned by the bridge; valid until resumed, and resumed exactly once (guarded by `answered`).
    private nonisolated(unsafe) let pending: OpaquePointer
    private let answered = Atomic(false)

    package init(_ pending: OpaquePointer) { self.pending = pending }

    package func resume(_ response: HTTPResponse) {
        guard !answered.exchange(true, ordering: .acquiringAndReleasing) else { return }
        HTTPServerCallback.withCResponse(response) { chttp_resume(pending, $0) }
    }
}

extension Daemon {
    /// Reports `server`'s counters in the daemon's metrics.
    package func attach(_ server: HTTPServer) {
        attachServerCounters {
            HTTPServerCounters(
                oversized: server.oversizedRequests, malformed: server.malformedRequests, timedOut: server.timedOutRequests,
                suspended: server.pendingRequests, openConnections: server.openConnections)
        }
    }
}
