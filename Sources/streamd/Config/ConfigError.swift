/// One problem in a configuration: where (field path and, for files, line) and what.
struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// Dotted field path with list indexes: `pipelines.metrics.stages[1].workers`.
    var path: String
    var line: Int?
    var message: String

    var description: String {
        let location = [line.map { "line \($0)" }, path.isEmpty ? nil : path].compactMap { $0 }.joined(separator: ", ")
        return location.isEmpty ? message : "\(location): \(message)"
    }
}

/// Everything wrong with a configuration, reported at once so a user fixes it in one pass.
struct ConfigError: Error, Sendable, CustomStringConvertible {
    var file: String?
    var issues: [ConfigIssue]

    init(_ issues: [ConfigIssue], file: String? = nil) {
        self.issues = issues
        self.file = file
    }

    var description: String {
        let prefix = file.map { "\($0): " } ?? ""
        return issues.map { prefix + $0.description }.joined(separator: "\n")
    }
}
