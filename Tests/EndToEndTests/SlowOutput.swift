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

    /// Posts padded single events to `pipeline` until it answers 429 (at most 30 s), filling the
    /// FIFO and the pipeline's buffers; returns how many were accepted, `nil` if it never filled.
    static func fill(_ client: HTTPTestClient, pipeline: String) throws -> Int? {
        let body = #"{"pad": "\#(String(repeating: "p", count: 4000))"}"#
        let deadline = Date().addingTimeInterval(30)
        var accepted = 0
        while Date() < deadline {
            switch try client.post("/v1/pipelines/\(pipeline)/events", json: body).status {
            case 202: accepted += 1
            case 429: return accepted
            case let status: throw HTTPTestClient.ClientError(description: "filling \(pipeline): unexpected \(status)")
            }
        }
        return nil
    }

    deinit {
        close(reader)
        try? FileManager.default.removeItem(at: directory)
    }
}
