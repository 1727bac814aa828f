import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
import StreamKit
#endif

/// The first bytes a child wrote to stdout and stderr, read without holding a thread: a
/// grandchild that keeps the socket open must not keep a thread of ours waiting for EOF.
package final class ChildOutput: Sendable {
    private let channel: DispatchIO
    private let state = Locked<(bytes: [UInt8], done: Bool)>(([], false))

    package init(reading descriptor: Int32, limit: Int) {
        channel = DispatchIO(type: .stream, fileDescriptor: descriptor, queue: .global()) { _ in Glibc.close(descriptor) }
        channel.setLimit(lowWater: 1)
        channel.read(offset: 0, length: Int.max, queue: .global()) { done, data, _ in
            self.state.withLock { state in
                if let data, state.bytes.count < limit { state.bytes += data.prefix(limit - state.bytes.count) }
                if done { state.done = true }
            }
        }
    }

    /// What was captured, after waiting up to `limit` for EOF; closes our end.
    package func text(waitingUpTo limit: Duration) async -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while !state.withLock({ $0.done }), clock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
        close()
        let bytes = state.withLock { $0.bytes }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    package func close() {
        channel.close(flags: .stop)
    }
}
