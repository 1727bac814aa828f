import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// systemd's side of `sd_notify` for tests: a datagram socket at a temporary path that records
/// every message the daemon sends to `$NOTIFY_SOCKET`.
final class NotifySocket: @unchecked Sendable {
    // @unchecked: `messages` is behind `lock`; the descriptor and path are set once in init.
    let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var received: [String] = []

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard descriptor >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
        let thread = Thread { [self] in receiveLoop() }
        thread.start()
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            let message = String(decoding: buffer[..<count], as: UTF8.self)
            lock.lock()
            received.append(message)
            lock.unlock()
        }
    }

    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Waits until a message satisfies `condition`; returns it, or nil after `timeout`.
    func waitFor(timeout: TimeInterval = 10, _ condition: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let message = messages.first(where: condition) { return message }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
        unlink(path)
    }
}
