#if canImport(Glibc)
import Glibc
#endif

/// Appends each event as one JSON line to a file (created if missing, mode 0644).
final class NDJSONFileOutput: OutputSink {
    let label: String
    private let descriptor: Int32

    struct OpenError: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens `path` for appending; standard output when `path` is nil.
    init(path: String?) throws {
        guard let path else {
            label = "stdout"
            descriptor = 1
            return
        }
        label = "file:\(path)"
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OpenError(description: "cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
    }

    func write(_ events: [Event]) async throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.count * 128)
        for event in events {
            JSONWriter.write(event, into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
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
