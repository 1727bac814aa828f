/// `file: { path: /var/log/streamd/out.ndjson }`: NDJSON appended to a file.
package struct FileOutputKind: OutputKind {
    package static let name = "file"
    package static let summary = "NDJSON appended to a file (opened and reopened in the background)"
    static let path = ComponentOption("path", .string, required: true, "the file, created if missing")
    package static let options = [path]

    package let path: String

    package init(path: String) { self.path = path }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        guard let path = options.string(path) else {
            options.issue("a file output needs a path")
            return nil
        }
        return Self(path: path)
    }

    package func makeSink(_ context: OutputContext) -> any OutputSink {
        NDJSONFileOutput(path: path, pipeline: context.pipeline, onRetry: context.countRetry)
    }
}

/// `stdout: {}`: NDJSON on standard output.
package struct StdoutOutputKind: OutputKind {
    package static let name = "stdout"
    package static let summary = "NDJSON on standard output"
    package static let options: [ComponentOption] = []

    package init() {}

    package static func configure(_ options: inout ComponentOptions) -> Self? { Self() }

    package func makeSink(_ context: OutputContext) -> any OutputSink {
        NDJSONFileOutput(path: nil, pipeline: context.pipeline, onRetry: context.countRetry)
    }
}
