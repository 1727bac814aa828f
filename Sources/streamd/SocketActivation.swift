import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The listening socket systemd passes with socket activation (`streamd.socket`): fd 3, named
/// by `$LISTEN_PID` and `$LISTEN_FDS`. streamd then serves it instead of binding
/// `server.listen`, so the port is open before streamd starts and stays open across restarts.
struct SocketActivation {
    let descriptor: Int32
    /// The socket's address, for the log and the loopback check.
    let host: String
    let port: Int

    /// What systemd passed to this process, if anything. The variables are removed from the
    /// environment (hook programs must not think the socket is theirs) and the descriptor is
    /// marked close-on-exec.
    static func inherited(environment: [String: String] = ProcessInfo.processInfo.environment) -> SocketActivation? {
        defer { for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) } }
        guard let pid = environment["LISTEN_PID"].flatMap({ Int32($0) }), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count >= 1
        else { return nil }
        let descriptor: Int32 = 3
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var port = 0
        let family = storage.ss_family
        withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET) {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var ip = address.pointee.sin_addr
                    inet_ntop(AF_INET, &ip, &text, socklen_t(text.count))
                    port = Int(UInt16(bigEndian: address.pointee.sin_port))
                }
            } else if family == sa_family_t(AF_INET6) {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var ip = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &ip, &text, socklen_t(text.count))
                    port = Int(UInt16(bigEndian: address.pointee.sin6_port))
                }
            }
        }
        let host = String(decoding: text.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)
        return SocketActivation(descriptor: descriptor, host: host, port: port)
    }
}
