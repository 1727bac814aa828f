import Foundation
import OrderedCollections
import StreamKit
import StreamKitTesting
import Testing

import StreamdCore
import StreamdHTTP

#if canImport(Glibc)
import Glibc
#endif

/// The file output against a FIFO: opening never waits for a reader, nothing is lost while
/// there is none, and a reader that goes away is waited for again. The backoff runs on a manual
/// clock; the FIFO is read without blocking.
@Suite(.serialized) struct NDJSONFileOutputTests {
    static let events: [Event] = [["id": 1], ["id": 2, "text": "two"]]
    static let ndjson = "{\"id\":1}\n{\"id\":2,\"text\":\"two\"}\n"

    static func output(_ path: String, _ clock: ManualClock) -> NDJSONFileOutput {
        NDJSONFileOutput(
            path: path, pipeline: "p", clock: RetryClock(clock),
            schedule: .exponential(initial: .milliseconds(100), maxDelay: .seconds(1), maxAttempts: .max), stallAfter: nil)
    }

    @Test func aFIFOWithoutReaderIsRetriedUntilOneOpensItAndGetsEveryLine() async throws {
        let fifo = try FIFO()
        defer { fifo.remove() }
        let clock = ManualClock()
        let output = Self.output(fifo.path, clock)
        #expect(output.status?.writable == true)
        let writing = Task { try await output.write(Self.events) }
        await clock.waitForSleepers()
        #expect(output.status?.writable == false)
        #expect(output.status?.reason?.contains("a FIFO without a reader") == true, "\(output.status?.reason ?? "")")

        let reader = try fifo.openReader()
        defer { close(reader) }
        clock.advance(by: .milliseconds(100))
        try await writing.value
        #expect(output.status?.writable == true)
        #expect(FIFO.readAvailable(reader) == Self.ndjson)
        await output.close()
    }

    @Test func aReaderThatGoesAwayIsWaitedForAgainAndNothingIsLost() async throws {
        signal(SIGPIPE, SIG_IGN)  // as streamd does: EPIPE for the write
        let fifo = try FIFO()
        defer { fifo.remove() }
        let clock = ManualClock()
        let output = Self.output(fifo.path, clock)
        let first = try fifo.openReader()
        try await output.write(Self.events)
        #expect(FIFO.readAvailable(first) == Self.ndjson)
        close(first)

        let writing = Task { try await output.write(Self.events) }
        await clock.waitForSleepers()
        #expect(output.status?.reason?.contains("Broken pipe") == true, "\(output.status?.reason ?? "")")
        clock.advance(by: .milliseconds(100))  // reopening finds no reader yet
        await clock.waitForSleepers()
        #expect(output.status?.reason?.contains("a FIFO without a reader") == true, "\(output.status?.reason ?? "")")

        let second = try fifo.openReader()
        defer { close(second) }
        clock.advance(by: .milliseconds(200))
        try await writing.value
        #expect(FIFO.readAvailable(second) == Self.ndjson)
        #expect(output.status?.writable == true)
        await output.close()
    }

    @Test func cancellingAWriteThatCannotHappenEndsItAtOnce() async throws {
        let fifo = try FIFO()
        defer { fifo.remove() }
        let clock = ManualClock()
        let output = Self.output(fifo.path, clock)
        let writing = Task { try await output.write(Self.events) }
        await clock.waitForSleepers()
        writing.cancel()
        await #expect(throws: CancellationError.self) { try await writing.value }
        await output.close()
    }

    @Test func aMissingDirectoryIsCreated() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a/b/out.ndjson").path
        let output = Self.output(path, ManualClock())
        try await output.write(Self.events)
        try await output.write(Self.events)
        await output.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.ndjson + Self.ndjson)
    }
}

/// A FIFO in a temporary directory of its own.
struct FIFO {
    let directory: URL
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("out.fifo").path
        guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func openReader() throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { throw CocoaError(.fileReadUnknown) }
        return descriptor
    }

    /// What the FIFO holds now (its writer has finished writing).
    static func readAvailable(_ descriptor: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
