package import Logging
import OrderedCollections

/// Writes the notification as one structured log line (label `streamd.alert`, message `alert`):
/// alerts that journald or a log shipper picks up with the daemon's other logs.
///
/// The line is written to standard error, a pipe that blocks when its reader (journald) falls
/// behind: on a queue of the hook's own, so a delivery never holds a thread of Swift's
/// cooperative pool and its timeout still applies.
package struct LogTransport: HookTransport {
    package let label = "log"
    package let level: Logger.Level
    private static let logger = Logger(label: "streamd.alert")
    private let writer = BlockingQueue(label: "streamd.hook.log")

    package init(level: String) {
        self.level = Logger.Level(rawValue: level) ?? .warning
    }

    package func deliver(_ notification: JSONValue) async throws {
        let object = notification.objectValue ?? [:]
        var metadata: Logger.Metadata = [:]
        for field in ["alert", "pipeline", "state"] {
            metadata[field] = .string(object[field]?.stringValue ?? object[field].map(JSONWriter.string) ?? "")
        }
        for field in ["key", "result"] {
            metadata[field] = .string(JSONWriter.string(object[field] ?? .null))
        }
        let (level, fields) = (level, metadata)
        try await writer.run { Self.logger.log(level: level, "alert", metadata: fields) }
    }
}
