import Foundation
import OrderedCollections

/// Runs a program per notification: the JSON (and a newline) on its stdin, the fields in
/// `STREAMD_ALERT_*` environment variables for programs that would rather not parse JSON.
/// At most `concurrency` copies run at once; the rest wait their turn.
package final class ExecTransport: HookTransport {
    package let label: String
    package let argv: [String]
    package let timeout: Duration
    private let slots: AsyncSemaphore
    /// Starts the program: `posix_spawn` can block (a program on a hung mount).
    private let spawner = BlockingQueue(label: "streamd.hook.exec")

    package init(argv: [String], concurrency: Int, timeout: Duration) {
        label = "exec:\(argv.first ?? "")"
        self.argv = argv
        self.timeout = timeout
        slots = AsyncSemaphore(limit: max(1, concurrency))
    }

    package func deliver(_ notification: JSONValue) async throws {
        var input = JSONWriter.bytes(notification)
        input.append(UInt8(ascii: "\n"))
        let environment = Self.environment(for: notification)
        try await slots.withPermit {
            try await ChildProcess.run(argv: argv, environment: environment, input: input, timeout: timeout, spawner: spawner)
        }
    }

    /// Longest `STREAMD_ALERT_KEY` or `_RESULT`; Linux refuses to start a program with any
    /// environment string over 128 KiB (E2BIG), and stdin always carries the whole notification.
    package static let maxJSONVariableBytes = 64 * 1024

    /// The daemon's environment plus `STREAMD_ALERT_NAME`, `_PIPELINE`, `_STATE`, `_AT`, and
    /// `_KEY` and `_RESULT` as compact JSON (left out when longer than `maxJSONVariableBytes`).
    package static func environment(for notification: JSONValue) -> [String: String] {
        let object = notification.objectValue ?? [:]
        func text(_ field: String) -> String {
            guard let value = object[field] else { return "" }
            return value.stringValue ?? JSONWriter.string(value)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["STREAMD_ALERT_NAME"] = text("alert")
        environment["STREAMD_ALERT_PIPELINE"] = text("pipeline")
        environment["STREAMD_ALERT_STATE"] = text("state")
        environment["STREAMD_ALERT_AT"] = text("at")
        for (name, field) in [("STREAMD_ALERT_KEY", "key"), ("STREAMD_ALERT_RESULT", "result")] {
            let json = JSONWriter.string(object[field] ?? .null)
            environment[name] = json.utf8.count <= maxJSONVariableBytes ? json : nil
        }
        return environment
    }
}
