import Foundation

/// A FIFO with no reader until the test opens one: an output whose `open(2)` for writing would
/// wait for ever (as on a hung network mount). Owns a temporary directory (pass it to
/// `StreamdProcess(directory:)`) and the FIFO in it.
final class UnreadFIFO {
    let directory: URL
    let path: String

    init(_ name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("out.fifo").path
        guard mkfifo(path, 0o600) == 0 else { throw HTTPTestClient.ClientError(description: "mkfifo failed: errno \(errno)") }
    }

    /// A second FIFO in the same directory.
    func another(_ name: String) throws -> String {
        let other = directory.appendingPathComponent("\(name).fifo").path
        guard mkfifo(other, 0o600) == 0 else { throw HTTPTestClient.ClientError(description: "mkfifo failed: errno \(errno)") }
        return other
    }

    /// Opens the read end (non-blocking), from then on the FIFO has a reader.
    func openReader() throws -> Int32 {
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        guard reader >= 0 else { throw HTTPTestClient.ClientError(description: "open fifo failed: errno \(errno)") }
        return reader
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}
