/// `log: { level: error }`: one structured log line per notification, next to the daemon's own.
package struct LogHookKind: HookKind {
    package static let name = "log"
    package static let summary = "one structured log line (label streamd.alert) per notification"
    static let level = ComponentOption("level", .string, default: "warning", "trace, debug, info, notice, warning, error or critical")
    package static let options = [level]

    /// The log levels a `log` hook accepts, lowest first.
    package static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    package var level: String
    /// A log line has no real timeout; this bounds a blocked standard error.
    package var timeout: Duration = .seconds(1)
    package var retries = 0

    package init(level: String = "warning") { self.level = level }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        guard let level = options.string(level) else { return nil }
        guard levels.contains(level) else {
            options.issue("expected one of \(levels.joined(separator: ", ")), got \"\(level)\"", option: Self.level)
            return nil
        }
        return Self(level: level)
    }

    package func makeTransport() -> any HookTransport { LogTransport(level: level) }
}

extension HookKind where Self == LogHookKind {
    package static func log(level: String) -> Self { LogHookKind(level: level) }
}
