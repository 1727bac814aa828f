import CHttp
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// streamd's HTTP listener: libmicrohttpd's internal polling threads, calling one handler per
/// complete request.
final class HTTPServer: Sendable {
    struct Configuration: Sendable {
        var address = "127.0.0.1"
        /// 0 picks a free port (read it back from ``port``).
        var port = 8080
        /// Polling threads; about the core count is best here (see shared notes on MHD).
        var threads = 2
        var maxConnections = 1024
        var connectionTimeoutSeconds = 30
        /// Longest a request may take, however it trickles in (0: no limit).
        var requestTimeoutSeconds = 60
        var maxBodyBytes = 8 * 1024 * 1024
        /// Request line and headers; a larger block gets 431 (414 for the request line alone).
        var maxHeaderBytes = 64 * 1024
        /// A listening socket to serve instead of binding `address` and `port` (socket activation).
        var listenDescriptor: Int32?
    }

    typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// The C server; immutable after init, freed once in ``stop()``.
    private nonisolated(unsafe) let server: OpaquePointer
    private let context: Unmanaged<HTTPHandlerBox>
    /// The bound port.
    let port: Int

    init(configuration: Configuration, handler: @escaping Handler) throws {
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
    var oversizedRequests: Int { Int(chttp_oversized_requests(server)) }
    /// Requests libmicrohttpd refused itself, with its own HTML page.
    var malformedRequests: Int { Int(chttp_malformed_requests(server)) }
    /// Connections closed because a request ran past the request timeout.
    var timedOutRequests: Int { Int(chttp_timed_out_requests(server)) }
    var openConnections: Int { Int(chttp_open_connections(server)) }

    /// Stops accepting connections; requests in progress finish.
    func quiesce() { chttp_quiesce(server) }

    /// Requests parked with ``HTTPRequest/suspend()`` and not answered yet.
    var pendingRequests: Int { Int(chttp_pending_requests(server)) }

    /// Stops the server. Call once; no handler runs after it returns. Suspended requests must be
    /// answered first (libmicrohttpd forbids stopping with any pending): their waits are bounded
    /// (`ingest.max_wait`; a control request's drain ends with the daemon's own, which shares its
    /// deadline), so this waits for them, at most `pendingTimeout`.
    func stop(pendingTimeout: Duration = .seconds(10)) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: pendingTimeout)
        while pendingRequests > 0, clock.now < deadline { usleep(1000) }
        chttp_stop(server)
        context.release()
    }
}

/// Keeps the handler alive for the C side, which holds it through an opaque pointer.
final class HTTPHandlerBox: Sendable {
    let handler: HTTPServer.Handler
    init(handler: @escaping HTTPServer.Handler) { self.handler = handler }
}

/// The C callback, in a nonisolated type of its own: a closure written in `main.swift` would be
/// `@MainActor` and trap when libmicrohttpd's threads call it.
enum HTTPServerCallback {
    static let handle: chttp_handler = { context, request in
        guard let context, let request else { return }
        let box = Unmanaged<HTTPHandlerBox>.fromOpaque(context).takeUnretainedValue()
        let response = box.handler(HTTPRequest(raw: request))
        if !response.isSuspended { respond(request, response) }
    }

    static func respond(_ request: UnsafeMutablePointer<chttp_request>, _ response: HTTPResponse) {
        withCResponse(response) { chttp_respond(request, $0) }
    }

    /// Lends `response` to C as a `chttp_response` whose pointers live for the call.
    static func withCResponse(_ response: HTTPResponse, _ body: (UnsafePointer<chttp_response>) -> Void) {
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
final class PendingReply: Sendable {
    /// Owned by the bridge; valid until resumed, and resumed exactly once (guarded by `answered`).
    private nonisolated(unsafe) let pending: OpaquePointer
    private let answered = Atomic(false)

    init(_ pending: OpaquePointer) { self.pending = pending }

    func resume(_ response: HTTPResponse) {
        guard !answered.exchange(true, ordering: .acquiringAndReleasing) else { return }
        HTTPServerCallback.withCResponse(response) { chttp_resume(pending, $0) }
    }
}
