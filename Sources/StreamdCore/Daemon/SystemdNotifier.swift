import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the service is doing, over the datagram socket in `$NOTIFY_SOCKET` (the
/// `sd_notify` protocol, written out because it is one `sendto` and libsystemd is not worth a
/// dependency): `READY=1` once listening with pipelines started, `STATUS=` lines with live
/// figures, `WATCHDOG=1` at half of `$WATCHDOG_USEC`, and `STOPPING=1`.
///
/// Outside systemd (no `$NOTIFY_SOCKET`) every call does nothing. The variables are removed from
/// the environment once read, so programs that alert hooks start cannot speak for the service.
package final class SystemdNotifier: Sendable {
    private let descriptor: Int32?
    private let address: Data?
    /// How often to ping the watchdog: half its timeout, if systemd set one for this process.
    package let watchdogInterval: Duration?

    package init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var path = environment["NOTIFY_SOCKET"] ?? ""
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0,
            environment["WATCHDOG_PID"].map({ Int32($0) == getpid() }) ?? true
        {
            interval = .microseconds(microseconds / 2)
        }
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { unsetenv(name) }
        watchdogInterval = interval
        // An abstract socket is written with a leading "@".
        if path.hasPrefix("@") { path = "\0" + path.dropFirst() }
        guard !path.isEmpty, path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            descriptor = nil
            address = nil
            return
        }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let length = MemoryLayout<sa_family_t>.size + path.utf8.count
        address = withUnsafeBytes(of: &socketAddress) { Data($0.prefix(length)) }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        descriptor = fd >= 0 ? fd : nil
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    package var isActive: Bool { descriptor != nil }

    /// Sends `fields` ("READY=1", "STATUS=…") as one message. Failures are ignored: systemd may
    /// be gone, and the daemon must not stop for that.
    package func notify(_ fields: String...) {
        guard let descriptor, let address else { return }
        let message = Array(fields.joined(separator: "\n").utf8)
        address.withUnsafeBytes { raw in
            let target = raw.baseAddress!.assumingMemoryBound(to: sockaddr.self)
            _ = message.withUnsafeBytes { body in
                sendto(descriptor, body.baseAddress, body.count, Int32(MSG_NOSIGNAL), target, socklen_t(raw.count))
            }
        }
    }
}
