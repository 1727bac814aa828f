import Foundation
package import StreamKit
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Appends each event as one JSON line to a file (created if missing, mode 0644), or writes it
/// to standard output.
///
/// Opening and writing are blocking system calls — `open(2)` waits for a reader on a FIFO and
/// for ever on a hung network mount, `write(2)` waits on a full pipe — so they run on a queue of
/// the output's own, never on Swift's cooperative threads, an HTTP thread or the start-up path.
/// Starting the pipeline only starts opening the file, in the background. When it cannot be
/// opened or written, the output is reported not writable (`status`) and the same bytes are
/// tried again with backoff until they are out (after a failed write, on a file opened anew):
/// nothing is dropped, and the batches behind wait in the output's queue, which holds back its
/// pipeline (429 on ingest once its buffers fill).
package final class NDJSONFileOutput: OutputSink, ReportsAvailability {
    package let label: String
    private let availability: OutputStatus
    package var status: OutputStatus? { availability }
    private let path: String?
    private let io: BlockingQueue
    /// The open descriptor, or -1; changed only on `io`.
    private let descriptor: Locked<Int32>
    private let onRetry: @Sendable () -> Void

    /// An attempt that has not returned after this long makes the output not writable.
    package static let defaultStallAfter: Duration = .seconds(2)
    private let stallAfter: Duration?

    package struct WriteError: Error, CustomStringConvertible {
        package let description: String
    }

    /// `path` nil: standard output. `stallAfter` nil: a blocked attempt is not reported (for tests
    /// whose clock only the backoff should use).
    package init(
        path: String?, pipeline: String, clock: RetryClock = .continuous, schedule: RetrySchedule = .outputReopen,
        stallAfter: Duration? = defaultStallAfter, onRetry: @escaping @Sendable () -> Void = {}
    ) {
        self.path = path
        self.stallAfter = stallAfter
        self.onRetry = onRetry
        label = path.map { "file:\($0)" } ?? "stdout"
        availability = OutputStatus(pipeline: pipeline, output: label, clock: clock, schedule: schedule)
        io = BlockingQueue(label: "streamd.output.\(label)")
        descriptor = Locked(path == nil ? 1 : -1)
    }

    /// Opens the file, however many attempts it takes, so a path that cannot be opened is
    /// reported when the pipeline starts; throws `CancellationError` only when cancelled.
    package func open() async throws {
        try await availability.retry(
            stallAfter: stallAfter, stalled: { [label, stallAfter] in Self.stallReason("open(2)", label, stallAfter) }, onRetry: onRetry
        ) { [self] () async throws(CancellationError) -> String? in
            try await io.run({ self.openIfNeeded() })
        }
    }

    /// Writes the batch, however many attempts it takes; throws `CancellationError` only when the
    /// calling task is cancelled (a stop that gave up waiting).
    package func write(_ events: [Event]) async throws {
        var lines: [UInt8] = []
        lines.reserveCapacity(events.count * 128)
        for event in events {
            JSONWriter.write(event, into: &lines)
            lines.append(UInt8(ascii: "\n"))
        }
        // What is already out survives a failed attempt, so a retry neither repeats nor skips bytes.
        let written = Locked(0)
        let bytes = lines
        try await availability.retry(
            stallAfter: stallAfter,
            stalled: { [descriptor, label, stallAfter] in
                Self.stallReason(descriptor.withLock { $0 } < 0 ? "open(2)" : "write(2)", label, stallAfter)
            },
            onRetry: onRetry
        ) { [self] () async throws(CancellationError) -> String? in
            try await io.run({ self.attempt(bytes, written: written) })
        }
    }

    private static func stallReason(_ call: String, _ label: String, _ stallAfter: Duration?) -> String {
        "\(call) on \(label) has not returned after \((stallAfter ?? .zero).seconds.formatted)s"
    }

    /// Opens the file unless it is open; what went wrong, or `nil`. Runs on `io`.
    private func openIfNeeded() -> String? {
        guard descriptor.withLock({ $0 }) < 0 else { return nil }
        switch openFile() {
        case .success(let fd):
            descriptor.withLock { $0 = fd }
            return nil
        case .failure(let error):
            return error.description
        }
    }

    /// Opens the file if needed and writes what is left of `bytes`; what went wrong, or `nil`.
    /// Runs on `io`.
    private func attempt(_ bytes: [UInt8], written: Locked<Int>) -> String? {
        if let problem = openIfNeeded() { return problem }
        let fd = descriptor.withLock { $0 }
        var offset = written.withLock { $0 }
        defer { written.withLock { $0 = offset } }
        return bytes.withUnsafeBytes { buffer -> String? in
            while offset < buffer.count {
                let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    let problem = "write failed: \(String(cString: strerror(errno)))"
                    // Opened again next time: a FIFO's new reader, a remounted disk.
                    if path != nil {
                        Glibc.close(fd)
                        descriptor.withLock { $0 = -1 }
                    }
                    return problem
                }
                offset += count
            }
            return nil
        }
    }

    /// `O_NONBLOCK` only for the open itself: a FIFO without a reader then fails at once
    /// (`ENXIO`) instead of waiting; writes block (on `io`) like any others.
    private func openFile() -> Result<Int32, WriteError> {
        guard let path else { return .success(1) }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o644)
        guard fd >= 0 else {
            let code = errno
            let hint = code == ENXIO ? " (a FIFO without a reader)" : ""
            return .failure(WriteError(description: "cannot open \(path) for appending: \(String(cString: strerror(code)))\(hint)"))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .success(fd)
    }

    /// Closes the file once the writes queued before have run (at once, unless one is blocked).
    package func close() async {
        io.submit { [descriptor] in
            let fd = descriptor.withLock { fd in
                defer { fd = -1 }
                return fd
            }
            if fd > 2 { Glibc.close(fd) }
        }
    }
}
