import Foundation
import Synchronization

/// The real `streamd` binary, started on a free loopback port with a configuration written for
/// the test, and stopped (SIGTERM) at the end.
final class StreamdProcess: @unchecked Sendable {
    // @unchecked: `process` and the pipe are set up in init and only read afterwards; the log
    // buffer is behind a Mutex.
    let process = Process()
    let port: Int
    let directory: URL
    private let ownsDirectory: Bool
    private let log = LogBuffer()

    struct LaunchError: Error, CustomStringConvertible {
        let description: String
    }

    /// The binary built next to this test bundle.
    static var binary: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("streamd")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return bundle.appendingPathComponent("streamd")
    }

    /// Starts streamd with `config` (YAML; `LISTEN` and `STATE_DIR` are filled in) and waits until
    /// it logs the port it listens on.
    /// `directory` (kept by the caller) lets a second process reuse the first one's state.
    init(config: String, directory: URL? = nil, arguments: [String] = [], environment: [String: String] = [:]) throws {
        ownsDirectory = directory == nil
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("streamd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let configURL = self.directory.appendingPathComponent("streamd.yaml")
        try Self.write(config, to: configURL, directory: self.directory)

        process.executableURL = Self.binary
        process.arguments = ["run", "--config", configURL.path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let log = log
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { log.append(String(decoding: data, as: UTF8.self)) }
        }
        try process.run()

        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while port == nil, Date() < deadline, process.isRunning {
            port = Self.port(in: log.text)
            if port == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        guard let port else {
            process.terminate()
            throw LaunchError(description: "streamd did not start listening; its log:\n\(log.text)")
        }
        self.port = port
    }

    /// The configuration file, with `LISTEN` and `STATE_DIR` filled in.
    var configURL: URL { directory.appendingPathComponent("streamd.yaml") }

    /// Replaces the configuration file (for reload tests), filling in the placeholders the same way.
    func rewriteConfig(_ config: String) throws {
        try Self.write(config, to: configURL, directory: directory)
    }

    private static func write(_ config: String, to url: URL, directory: URL) throws {
        let text = config
            .replacingOccurrences(of: "LISTEN", with: "127.0.0.1:0")
            .replacingOccurrences(of: "STATE_DIR", with: directory.appendingPathComponent("state").path)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    private static func port(in log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("msg=listening") }),
            let range = line.range(of: " port=")
        else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    var logText: String { log.text }

    var client: HTTPTestClient { HTTPTestClient(port: port) }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func terminate(timeout: TimeInterval = 20) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// What the daemon wrote to standard error, collected as it arrives.
final class LogBuffer: Sendable {
    private let storage = Mutex("")
    func append(_ text: String) { storage.withLock { $0 += text } }
    var text: String { storage.withLock { $0 } }
}
