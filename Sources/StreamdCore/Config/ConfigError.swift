/// One problem in a configuration: where (field path and, for files, line) and what.
package struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// Dotted field path with list indexes: `pipelines.metrics.stages[1].workers`.
    package var path: String
    package var line: Int?
    package var message: String

    package var description: String {
        let location = [line.map { "line \($0)" }, path.isEmpty ? nil : path].compactMap { $0 }.joined(separator: ", ")
        return location.isEmpty ? message : "\(location): \(message)"
    }

    package init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }
}

/// Everything wrong with a configuration, reported at once so a user fixes it in one pass.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    package var file: String?
    package var issues: [ConfigIssue]

    package init(_ issues: [ConfigIssue], file: String? = nil) {
        self.issues = issues
        self.file = file
    }

    package var description: String {
        let prefix = file.map { "\($0): " } ?? ""
        return issues.map { prefix + $0.description }.joined(separator: "\n")
    }
}
