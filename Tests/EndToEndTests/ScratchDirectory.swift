import Foundation

/// A temporary directory for one test (hook scripts, their output, output files); the test
/// removes it with `defer { scratch.remove() }` (explicitly: ARC may end a value's life at its
/// last use, before the daemon is done writing there).
final class ScratchDirectory {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes an executable script (a hook program) and returns its path.
    func script(_ name: String, _ text: String) throws -> URL {
        let script = file(name)
        try text.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return script
    }
}
