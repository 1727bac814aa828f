import Foundation

/// A minimal HTTP/1.1 client over a plain socket, for end-to-end tests on loopback: one request
/// per connection, full control over the bytes sent.
struct HTTPTestClient: Sendable {
    let port: Int

    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        func header(_ name: String) -> String? { headers[name.lowercased()] }

        /// The body parsed as a JSON object (empty if it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
    }

    func get(_ path: String) throws -> Response {
        try request("GET", path)
    }

    func post(_ path: String, json: String, contentType: String = "application/json", headers: [String: String] = [:]) throws -> Response {
        try request("POST", path, headers: ["Content-Type": contentType].merging(headers) { _, new in new }, body: Data(json.utf8))
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data()) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return try exchange(Data(head.utf8) + body)
    }

    /// Sends raw bytes and reads until the server closes the connection.
    func exchange(_ bytes: Data, timeout: TimeInterval = 10) throws -> Response {
        let socket = try connect()
        defer { close(socket) }
        var sent = 0
        try bytes.withUnsafeBytes { buffer in
            while sent < buffer.count {
                let result = send(socket, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                guard result > 0 else { throw ClientError(description: "send failed: errno \(errno)") }
                sent += result
            }
        }
        var received = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count > 0 { received.append(contentsOf: chunk[0..<count]) } else if count == 0 { break } else if errno != EINTR && errno != EAGAIN {
                break
            }
        }
        return try Self.parse(received)
    }

    func connect() throws -> Int32 {
        let socket = try RawConnection.connectLoopback(port: port)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return socket
    }

    static func parse(_ data: Data) throws -> Response {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw ClientError(description: "no complete response (\(data.count) bytes)")
        }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw ClientError(description: "bad status line")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: Data(data[split.upperBound...]))
    }
}
