import Foundation

/// Turns configuration text into a validated ``DaemonConfig``, reporting every problem with its
/// file, line and field path. Nothing starts from a configuration with a problem.
package enum ConfigLoader {
    package static func load(file path: String, components: ComponentRegistry = .builtIn) throws(ConfigError) -> DaemonConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError([ConfigIssue(path: "", line: nil, message: "cannot read the file: \(error.localizedDescription)")], file: path)
        }
        do {
            return try parse(yaml: text, components: components)
        } catch var error {
            error.file = path
            throw error
        }
    }

    package static func parse(yaml text: String, components: ComponentRegistry = .builtIn) throws(ConfigError) -> DaemonConfig {
        try daemonConfig(from: ConfigNode.parseYAML(text), components: components)
    }

    package static func daemonConfig(from root: ConfigNode, components: ComponentRegistry = .builtIn) throws(ConfigError) -> DaemonConfig {
        var issues: [ConfigIssue] = []
        var config = DaemonConfig()
        var reader = ConfigReader(root, path: "", issues: &issues)
        if let server = reader.node("server") { config.server = serverConfig(server, issues: &issues) }
        if let directory = reader.string("state_dir") { config.stateDirectory = directory }
        if let timeout = reader.duration("shutdown_timeout") { config.shutdownTimeout = timeout }
        if let log = reader.node("log") { config.log = logConfig(log, issues: &issues) }
        if let hooksNode = reader.node("hooks") { config.hooks = hooks(hooksNode, components: components, issues: &issues) }
        if let pipelines = reader.node("pipelines") {
            var pipelinesReader = ConfigReader(pipelines, path: "pipelines", issues: &issues)
            for name in pipelinesReader.keys {
                guard let node = pipelinesReader.node(name) else { continue }
                let hookNames = Set(config.hooks.map(\.name))
                if let definition = pipeline(named: name, from: node, path: "pipelines.\(name)", components: components, hooks: hookNames, issues: &issues) {
                    config.pipelines.append(definition)
                }
            }
            pipelinesReader.finish(into: &issues)
        }
        reader.finish(into: &issues, known: ["server", "state_dir", "shutdown_timeout", "log", "hooks", "pipelines"])
        guard issues.isEmpty else { throw ConfigError(issues) }
        return config
    }

    private static func serverConfig(
        _ node: ConfigNode, environment: [String: String] = ProcessInfo.processInfo.environment, issues: inout [ConfigIssue]
    ) -> ServerConfig {
        var server = ServerConfig()
        var reader = ConfigReader(node, path: "server", issues: &issues)
        if let listen = reader.string("listen") {
            if let (host, port) = splitListen(listen) {
                server.host = host
                server.port = port

            } else {
                reader.issue("listen", "expected host:port like \"127.0.0.1:8080\" (port 0 picks a free one), got \"\(listen)\"")
            }
        }
        if let bytes = reader.integer("max_body_bytes", in: 1...(1 << 30)) { server.maxBodyBytes = bytes }
        if let connections = reader.integer("max_connections", in: 1...100_000) { server.maxConnections = connections }
        if let bytes = reader.integer("max_header_bytes", in: 4096...(1 << 20)) { server.maxHeaderBytes = bytes }
        if let timeout = reader.duration("connection_timeout") {
            server.connectionTimeoutSeconds = max(1, Int(timeout.seconds.rounded(.up)))
        }
        if let timeout = reader.duration("request_timeout") {
            server.requestTimeoutSeconds = max(1, Int(timeout.seconds.rounded(.up)))
        }
        if let threads = reader.integer("threads", in: 1...64) { server.threads = threads }
        if let auth = reader.node("auth") {
            server.auth = authConfig(auth, environment: environment, issues: &issues)
        }
        if !server.isLoopback, server.auth == nil, !reader.keys.contains("auth") {
            reader.issue("listen", "refusing to listen on \(server.host), which is not a loopback address, without authentication: add server.auth tokens, or listen on 127.0.0.1")
        }
        reader.finish(into: &issues, known: ["listen", "max_body_bytes", "max_connections", "max_header_bytes", "connection_timeout", "request_timeout", "threads", "auth"])
        return server
    }

    /// `"127.0.0.1:8080"`, `"[::1]:8080"` → host and port.
    package static func splitListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { host = "127.0.0.1" }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    private static func logConfig(_ node: ConfigNode, issues: inout [ConfigIssue]) -> LogConfig {
        var log = LogConfig()
        var reader = ConfigReader(node, path: "log", issues: &issues)
        if let level = reader.string("level") {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            if levels.contains(level) { log.level = level } else {
                reader.issue("level", "expected one of \(levels.joined(separator: ", ")), got \"\(level)\"")
            }
        }
        if let format = reader.string("format") {
            if let parsed = LogConfig.Format(rawValue: format) { log.format = parsed } else {
                reader.issue("format", "expected logfmt or json, got \"\(format)\"")
            }
        }
        reader.finish(into: &issues, known: ["level", "format"])
        return log
    }

    /// Names appear in URLs, metric labels and file names: keep them plain.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64 else { return false }
        let allowed = { (byte: UInt8) in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        return first != UInt8(ascii: "-") && first != UInt8(ascii: "_") && name.utf8.allSatisfy(allowed)
    }
}
