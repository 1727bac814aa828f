package import Foundation

/// Pipelines created over the API, persisted as one JSON file each under
/// `state_dir/pipelines/`, written atomically (temporary file, then rename) so a crash never
/// leaves half a definition.
package struct PipelineStore: Sendable {
    package let directory: URL
    /// File system calls can block (a slow or hung disk): they run here, off Swift's threads.
    private let disk = BlockingQueue(label: "streamd.state")

    package init(stateDirectory: String) {
        directory = URL(fileURLWithPath: stateDirectory).appendingPathComponent("pipelines")
    }

    /// Writes `definition`, replacing a stored one with its name.
    package func save(_ definition: PipelineDefinition) async throws {
        try await onDisk { try writeFile(definition) }
    }

    package func delete(_ name: String) async throws {
        try await onDisk { try removeFile(name) }
    }

    /// Runs `work` on the store's own queue.
    private func onDisk(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await disk.run { Result { try work() } }.get()
    }

    private func writeFile(_ definition: PipelineDefinition) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = url(for: definition.name)
        let temporary = directory.appendingPathComponent(".\(definition.name).json.tmp")
        try Data(JSONWriter.bytes(definition.source)).write(to: temporary)
        guard rename(temporary.path, file.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
    }

    private func removeFile(_ name: String) throws {
        let file = url(for: name)
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
    }

    /// Every stored definition, validated again (the schema may have changed since it was saved).
    /// Broken files are reported, not fatal: the daemon starts with the others.
    package func loadAll(components: ComponentRegistry, hooks: Set<String> = []) -> (definitions: [PipelineDefinition], problems: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return ([], []) }
        var definitions: [PipelineDefinition] = []
        var problems: [String] = []
        for file in names.sorted() where file.hasSuffix(".json") && !file.hasPrefix(".") {
            let name = String(file.dropLast(5))
            let path = directory.appendingPathComponent(file)
            guard let data = try? Data(contentsOf: path) else {
                problems.append("\(path.path): cannot read")
                continue
            }
            guard let json = try? JSONParser.parse([UInt8](data)) else {
                problems.append("\(path.path): not valid JSON")
                continue
            }
            var issues: [ConfigIssue] = []
            if let definition = ConfigLoader.pipeline(named: name, from: ConfigNode(json: json), path: "", components: components, hooks: hooks, issues: &issues) {
                definitions.append(definition)
            } else {
                problems.append("\(path.path): " + issues.map(\.description).joined(separator: "; "))
            }
        }
        return (definitions, problems)
    }

    private func url(for name: String) -> URL {
        directory.appendingPathComponent("\(name).json")
    }
}
