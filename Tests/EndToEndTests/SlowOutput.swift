import Foundation

/// A FIFO for a pipeline's `file` output that nobody reads until the test says so: a truly slow
/// consumer, so the pipeline backs up to its input. Owns a temporary directory (pass it to
/// `StreamdProcess(directory:)`), the FIFO in it, and a non-blocking read end.
final class SlowOutput {
    let directory: URL
    let path: String
    let reader: Int32

    init(_ name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("out.fifo").path
        guard mkfifo(path, 0o600) == 0 else { throw HTTPTestClient.ClientError(description: "mkfifo failed: errno \(errno)") }
        // Opening the read end first (non-blocking) lets the daemon open the write end at once.
        reader = open(path, O_RDONLY | O_NONBLOCK)
        guard reader >= 0 else { throw HTTPTestClient.ClientError(description: "open fifo failed: errno \(errno)") }
    }

    deinit {
        close(reader)
        try? FileManager.default.removeItem(at: directory)
    }
}
