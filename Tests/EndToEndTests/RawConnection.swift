import Foundation
import Synchronization

/// One raw TCP connection to the daemon, for tests that misbehave on purpose: keep-alive with
/// several requests, bytes sent slowly or cut short, connections left idle or reset.
///
/// Every wait is bounded (`poll` with a deadline), so a daemon that stalls makes a test fail,
/// never hang. A connection is used by one thread at a time.
final class RawConnection: @unchecked Sendable {
    // @unchecked: the descriptor and the receive buffer are only touched by the one thread that
    // owns the connection at a time.
    private(set) var socket: Int32
    /// Received and not yet consumed by ``readResponse(timeout:)``.
    private var pending = Data()
    /// The peer closed (EOF) or reset the connection.
    private(set) var peerClosed = false

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(port: Int) throws {
        let socket = try Self.connectLoopback(port: port)
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        self.socket = socket
    }

    deinit { close() }

    // MARK: Sending

    /// Sends all of `bytes`; throws if the peer has closed or reset the connection meanwhile.
    func send(_ bytes: Data) throws {
        guard socket >= 0 else { throw Failure(description: "connection already closed") }
        var sent = 0
        try bytes.withUnsafeBytes { buffer in
            while sent < buffer.count {
                let result = Foundation.send(socket, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                if result > 0 {
                    sent += result
                } else if result < 0, errno == EINTR {
                    continue
                } else {
                    let error = errno
                    if error == EPIPE || error == ECONNRESET { peerClosed = true }
                    throw Failure(description: "send failed after \(sent) of \(buffer.count) bytes: errno \(error)")
                }
            }
        }
    }

    func send(_ text: String) throws { try send(Data(text.utf8)) }

    /// A complete request; keep-alive unless `headers` says otherwise. A body gets a
    /// Content-Length.
    func sendRequest(_ method: String, _ path: String, headers: [(String, String)] = [], body: Data = Data()) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Data(head.utf8) + body)
    }

    /// Stops sending (FIN) but keeps reading.
    func shutdownWrite() {
        if socket >= 0 { shutdown(socket, Int32(SHUT_WR)) }
    }

    /// Closes normally (FIN).
    func close() {
        if socket >= 0 { Foundation.close(socket) }
        socket = -1
    }

    /// Closes abortively: the peer sees a reset (RST), not an orderly end.
    func reset() {
        guard socket >= 0 else { return }
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    // MARK: Receiving

    /// Reads what is available into `pending`, waiting at most until `deadline`. Returns false
    /// once the peer has closed or reset the connection; throws on timeout.
    @discardableResult
    private func receive(until deadline: Date) throws -> Bool {
        guard !peerClosed else { return false }
        guard socket >= 0 else { throw Failure(description: "connection already closed") }
        while true {
            let remaining = deadline.timeIntervalSinceNow
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(max(0, min(remaining, 60)) * 1000))
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 {
                if remaining <= 0 { throw Failure(description: "timed out waiting for the server (\(pending.count) bytes pending)") }
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = recv(socket, &chunk, chunk.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                pending.append(contentsOf: chunk[0..<count])
                return true
            }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            peerClosed = true  // 0: orderly close; < 0: reset or another error
            return false
        }
    }

    /// Reads one response: the head, then a Content-Length-delimited body (or, without one, the
    /// body up to the server's close). Bytes after it stay pending for the next call.
    func readResponse(timeout: TimeInterval = 5) throws -> HTTPTestClient.Response {
        let deadline = Date().addingTimeInterval(timeout)
        let separator = Data("\r\n\r\n".utf8)
        var headEnd = pending.range(of: separator)
        while headEnd == nil {
            guard try receive(until: deadline) else {
                throw Failure(description: "connection closed before a complete response head (\(pending.count) bytes)")
            }
            headEnd = pending.range(of: separator)
        }
        let bodyStart = headEnd!.upperBound
        let head = try HTTPTestClient.parse(Data(pending[..<bodyStart]))
        let noBody = (100..<200).contains(head.status) || head.status == 204 || head.status == 304
        if noBody {
            pending = Data(pending[bodyStart...])
            return head
        }
        if let lengthText = head.header("Content-Length"), let length = Int(lengthText) {
            while pending.count - (bodyStart - pending.startIndex) < length {
                guard try receive(until: deadline) else {
                    throw Failure(description: "connection closed inside a \(length)-byte response body")
                }
            }
            let body = Data(pending[bodyStart..<(bodyStart + length)])
            pending = Data(pending[(bodyStart + length)...])
            return HTTPTestClient.Response(status: head.status, headers: head.headers, body: body)
        }
        while try receive(until: deadline) {}
        let body = Data(pending[bodyStart...])
        pending = Data()
        return HTTPTestClient.Response(status: head.status, headers: head.headers, body: body)
    }

    /// Waits until the server closes (EOF) or resets the connection, discarding whatever else it
    /// sends. True if that happened within `timeout`.
    func waitForClose(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        do {
            while try receive(until: deadline) { pending.removeAll(keepingCapacity: true) }
            return true
        } catch {
            return peerClosed
        }
    }

    /// Without waiting: whether the server has closed or reset the connection by now.
    var isClosedByServer: Bool {
        if peerClosed { return true }
        guard socket >= 0 else { return false }
        _ = try? receive(until: Date())
        return peerClosed
    }

    /// Whatever the server sent that was not consumed as a response (after ``waitForClose``: nothing).
    var unreadText: String { String(decoding: pending, as: UTF8.self) }
}

/// Many blocking clients side by side, one thread each (a cooperative task group on two cores
/// would not run them at the same time), with what they share.
enum ThreadedClients {
    /// Runs `count` bodies, each on a thread of its own, and waits until all have returned or
    /// `deadline` has passed, calling `whileWaiting` between short polls. Returns how many
    /// finished in time.
    static func run(
        _ count: Int, deadline: Date, whileWaiting: () -> Void = {}, _ body: @escaping @Sendable (Int) -> Void
    ) -> Int {
        let finished = Counter()
        for index in 0..<count {
            let thread = Thread {
                body(index)
                finished.increment()
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
        while finished.value < count, Date() < deadline {
            whileWaiting()
            Thread.sleep(forTimeInterval: 0.005)
        }
        return finished.value
    }

    /// A counter shared between threads. (NSLock, a pthread mutex, rather than `Mutex`: on Linux
    /// `Mutex` is a priority-inheritance futex whose kernel hand-over the thread sanitizer cannot
    /// see, so 256 contending threads made it report false races.)
    final class Counter: @unchecked Sendable {
        // @unchecked: `count` is only touched under `lock`.
        private let lock = NSLock()
        private var count = 0
        func increment(by amount: Int = 1) { lock.withLock { count += amount } }
        var value: Int { lock.withLock { count } }
    }

    /// Messages collected on worker threads and checked on the test's own thread afterwards
    /// (issues are recorded where the test runs).
    final class Messages: @unchecked Sendable {
        // @unchecked: `items` is only touched under `lock` (NSLock, as in Counter).
        private let lock = NSLock()
        private var items: [String] = []
        func append(_ item: String) { lock.withLock { items.append(item) } }
        var all: [String] { lock.withLock { items } }
    }
}

extension RawConnection {
    /// A TCP socket connected to 127.0.0.1:`port` (for this and ``HTTPTestClient``).
    static func connectLoopback(port: Int) throws -> Int32 {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let error = errno
            Foundation.close(socket)
            throw Failure(description: "connect to 127.0.0.1:\(port) failed: errno \(error)")
        }
        return socket
    }
}
