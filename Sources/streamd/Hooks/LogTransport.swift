import Logging
import OrderedCollections

/// Writes the notification as one structured log line (label `streamd.alert`, message `alert`):
/// alerts that journald or a log shipper picks up with the daemon's other logs.
struct LogTransport: HookTransport {
    let label = "log"
    let level: Logger.Level
    private static let logger = Logger(label: "streamd.alert")

    init(level: String) {
        self.level = Logger.Level(rawValue: level) ?? .warning
    }

    func deliver(_ notification: JSONValue) async throws {
        let object = notification.objectValue ?? [:]
        var metadata: Logger.Metadata = [:]
        for field in ["alert", "pipeline", "state"] {
            metadata[field] = .string(object[field]?.stringValue ?? object[field].map(JSONWriter.string) ?? "")
        }
        for field in ["key", "result"] {
            metadata[field] = .string(JSONWriter.string(object[field] ?? .null))
        }
        Self.logger.log(level: level, "alert", metadata: metadata)
    }
}
