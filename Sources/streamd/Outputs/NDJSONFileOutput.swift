import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Appends each event as one JSON line to a file (created if missing, mode 0644).
///
/// Writes are blocking system calls, so they run on a serial queue of the output's own, never on
/// Swift's cooperative threads: a slow disk or a full pipe stalls this output (and, through
/// backpressure, its pipeline), not the daemon.
final class NDJSONFileOutput: OutputSink {
    let label: String
    private let descriptor: Int32
    private let queue: DispatchQueue

    struct OpenError: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens `path` for appending; standard output when `path` is nil.
    init(path: String?) throws {
        guard let path else {
            label = "stdout"
            descriptor = 1
            queue = DispatchQueue(label: "streamd.output.stdout")
            return
        }
        label = "file:\(path)"
        queue = DispatchQueue(label: "streamd.output.file")
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OpenError(description: "cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
    }

    func write(_ events: [Event]) async throws {
        var lines: [UInt8] = []
        lines.reserveCapacity(events.count * 128)
        for event in events {
            JSONWriter.write(event, into: &lines)
            lines.append(UInt8(ascii: "\n"))
        }
        let (descriptor, label, bytes) = (descriptor, label, lines)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                continuation.resume(with: Result { try Self.writeAll(bytes, to: descriptor, label: label) })
            }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, label: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw OpenError(description: "\(label): write failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    func close() async {
        if descriptor > 2 { Glibc.close(descriptor) }
    }
}
