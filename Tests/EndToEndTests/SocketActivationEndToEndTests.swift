import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// systemd socket activation on the real binary: streamd serves the listening socket it
/// inherits as fd 3 (`LISTEN_PID`, `LISTEN_FDS`) instead of binding `server.listen`.
@Suite(.serialized) struct SocketActivationEndToEndTests {
    /// A listening TCP socket on 127.0.0.1 (a free port) and its port.
    static func listeningSocket() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard descriptor >= 0, bound, listen(descriptor, 128) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Starts streamd as systemd would: the socket as fd 3, and `LISTEN_PID` set to streamd's own
    /// pid (a shell sets it to `$$` and then execs streamd, keeping the pid).
    static func spawn(config: URL, socket: Int32, log: URL) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, socket, 3)
        posix_spawn_file_actions_addopen(&actions, 2, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let script = #"LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" run --config "$1""#
        let arguments = ["/bin/sh", "-c", script, StreamdProcess.binary.path, config.path]
        let argv = arguments.map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + environment { free(pointer) } }
        var pid = pid_t()
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environment) == 0 else { throw POSIXError(.ENOEXEC) }
        return pid
    }

    @Test func servesTheInheritedSocket() throws {
        let scratch = try ScratchDirectory("activation")
        defer { scratch.remove() }
        let (socket, port) = try Self.listeningSocket()
        defer { close(socket) }
        // server.listen names a port nothing listens on: only the inherited socket can answer.
        let config = scratch.file("streamd.yaml")
        try """
            server:
              listen: "127.0.0.1:1"
            state_dir: "\(scratch.file("state").path)"
            pipelines:
              web:
                stages:
                  - filter: 'exists(.id)'
            """.write(to: config, atomically: true, encoding: .utf8)
        let log = scratch.file("streamd.log")
        let pid = try Self.spawn(config: config, socket: socket, log: log)
        let client = HTTPTestClient(port: port)
        var status = 0
        for _ in 0..<500 where status != 200 {
            status = (try? client.get("/readyz").status) ?? 0
            if status != 200 { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(status == 200, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(try client.post("/v1/pipelines/web/events", json: #"{"id": 1}"#).status == 202)
        kill(pid, SIGTERM)
        var exitStatus: Int32 = 0
        waitpid(pid, &exitStatus, 0)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(exitStatus == 0, "\(text)")
        #expect(text.contains("serving the socket systemd passed") && text.contains("port=\(port)"), "port \(port): \(text)")
    }
}
