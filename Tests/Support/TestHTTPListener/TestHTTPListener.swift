import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 (a free port) that records every request and
/// answers each with the next status from a queue (200 once the queue is empty) and no body.
///
/// The receiving end of webhooks and the http output in tests: enough HTTP for URLSession and
/// curl (Content-Length bodies, `Expect: 100-continue`, keep-alive or close), nothing more.
///
/// ```swift
/// let listener = try TestHTTPListener(statuses: [500])   // first answer 500, then 200s
/// defer { listener.stop() }
/// // … POST to "http://127.0.0.1:\(listener.port)/hook" …
/// let requests = await listener.waitForRequests(count: 2)
/// ```
public final class TestHTTPListener: Sendable {
    /// One request as it arrived; header names are lower-cased.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: [UInt8]

        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    public struct ListenerError: Error, CustomStringConvertible {
        public let description: String
    }

    fileprivate struct State {
        var requests: [Request] = []
        var statuses: [Int]
        var stopped = false
        var connections: Set<Int32> = []
    }

    public let port: Int
    private let listener: Int32
    /// Behind an `NSLock` (not `Mutex`, whose contended hand-over the thread sanitizer misreads).
    private let state: LockedState

    public init(statuses: [Int] = []) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ListenerError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && listen(descriptor, 64) == 0
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            let error = errno
            close(descriptor)
            throw ListenerError(description: "bind/listen on 127.0.0.1: errno \(error)")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        state = LockedState(State(statuses: statuses))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "TestHTTPListener.accept"
        thread.start()
    }

    /// Every request so far, in arrival order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Appends statuses to answer the next requests with (200 once they are used up).
    public func enqueue(statuses: [Int]) {
        state.withLock { $0.statuses += statuses }
    }

    /// The requests once at least `count` have arrived, or whatever arrived by `timeout`.
    public func waitForRequests(count: Int, timeout: Duration = .seconds(10)) async -> [Request] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let requests = self.requests
            if requests.count >= count { return requests }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return requests
    }

    /// Stops accepting, ends open connections; idempotent.
    public func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            for connection in state.connections { shutdown(connection, Int32(SHUT_RDWR)) }
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    // MARK: - Connections

    private func acceptLoop() {
        while !isStopped {
            guard Self.waitReadable(listener) else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            let accepted = state.withLock { state in
                if state.stopped { return false }
                state.connections.insert(connection)
                return true
            }
            guard accepted else {
                close(connection)
                break
            }
            let thread = Thread { [self] in
                serve(connection)
                state.withLock { _ = $0.connections.remove(connection) }
                close(connection)
            }
            thread.name = "TestHTTPListener.connection"
            thread.start()
        }
        close(listener)
    }

    /// Requests on one connection until the client closes it, asks to, or the listener stops.
    private func serve(_ connection: Int32) {
        var buffer: [UInt8] = []
        while true {
            guard let headEnd = readUntilHeadEnd(connection, &buffer) else { return }
            guard var request = Self.parseHead(Array(buffer[..<headEnd])) else { return }
            buffer.removeFirst(headEnd + 4)
            if request.headers["expect"]?.lowercased() == "100-continue" {
                guard Self.sendAll(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            let length = Int(request.headers["content-length"] ?? "0") ?? 0
            while buffer.count < length {
                guard let chunk = receive(connection) else { return }
                buffer += chunk
            }
            request.body = Array(buffer[..<length])
            buffer.removeFirst(length)
            let status = state.withLock { state in
                state.requests.append(request)
                return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
            }
            let closing = request.headers["connection"]?.lowercased() == "close"
            let head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: 0\r\nConnection: \(closing ? "close" : "keep-alive")\r\n\r\n"
            guard Self.sendAll(connection, Array(head.utf8)), !closing else { return }
        }
    }

    /// Index of the `\r\n\r\n` ending the request head, reading more as needed; `nil` on EOF.
    private func readUntilHeadEnd(_ connection: Int32, _ buffer: inout [UInt8]) -> Int? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var searchFrom = 0
        while true {
            if buffer.count >= 4 {
                for index in searchFrom...(buffer.count - 4) where buffer[index..<index + 4].elementsEqual(terminator) {
                    return index
                }
                searchFrom = buffer.count - 3
            }
            guard buffer.count < 1 << 20, let chunk = receive(connection) else { return nil }
            buffer += chunk
        }
    }

    /// The next bytes from the client; `nil` when it closed, on error, or once stopped.
    private func receive(_ connection: Int32) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !isStopped {
            guard Self.waitReadable(connection) else { continue }
            let count = recv(connection, &chunk, chunk.count, 0)
            if count > 0 { return Array(chunk[..<count]) }
            if count < 0, errno == EINTR { continue }
            return nil
        }
        return nil
    }

    private static func parseHead(_ head: [UInt8]) -> Request? {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: [])
    }

    /// Waits up to 50 ms, so loops notice `stop()` without a wake-up descriptor.
    private static func waitReadable(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 50) > 0
    }

    private static func sendAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// The listener's state behind an `NSLock`; `@unchecked Sendable`: reached only inside `withLock`.
private final class LockedState: @unchecked Sendable {
    private let lock = NSLock()
    private var value: TestHTTPListener.State

    init(_ value: TestHTTPListener.State) { self.value = value }

    func withLock<Result>(_ body: (inout TestHTTPListener.State) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
