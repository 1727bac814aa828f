import Foundation
import StreamKit
import Testing

import StreamdCore
import StreamdHTTP

#if canImport(Glibc)
import Glibc
#endif

/// A hook program's input is written on a thread of its own, and a write to a program that
/// never reads can be cut short instead of holding that thread for ever.
@Suite struct ChildInputTests {
    @Test func inputTheProgramReadsArrivesWhole() async throws {
        let (ours, theirs) = try Self.socketPair()
        defer { close(theirs) }
        let input = ChildInput(feeding: Array("{\"alert\": \"hot\"}\n".utf8), to: ours)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(theirs, &chunk, chunk.count)
            guard count > 0 else { break }  // EOF: the feeder closed its end
            bytes += chunk[0..<count]
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "{\"alert\": \"hot\"}\n")
        await Self.eventually { input.isFinished }
        #expect(input.isFinished)
    }

    @Test func aWriteNobodyReadsIsCutShort() async throws {
        let (ours, theirs) = try Self.socketPair()
        defer { close(theirs) }
        // Far more than a socket buffer holds: the feeding thread blocks in send.
        let input = ChildInput(feeding: [UInt8](repeating: 0x61, count: 16 << 20), to: ours)
        #expect(!input.isFinished)
        input.cutShort()
        await Self.eventually { input.isFinished }
        #expect(input.isFinished, "the feeding thread ended and closed its end")
    }

    static func socketPair() throws -> (Int32, Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &descriptors) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
        return (descriptors[0], descriptors[1])
    }

    /// Waits (in short sleeps, up to 10 s) for another thread to make `condition` true.
    static func eventually(_ condition: () -> Bool) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while !condition(), clock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
    }
}
