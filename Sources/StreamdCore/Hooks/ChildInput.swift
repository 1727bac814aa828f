import Foundation
import StreamKit

#if canImport(Glibc)
import Glibc
#endif

/// Writes a hook program's input, then closes our end so the program sees EOF.
///
/// `send` blocks while the program does not read, so it runs on a thread of its own, never on
/// Swift's cooperative pool or a shared dispatch queue. `MSG_NOSIGNAL`: a program that exited
/// without reading is an error here, not a SIGPIPE that would kill the daemon. ``cutShort()``
/// ends a write that would otherwise wait for ever (a grandchild holding the socket open).
package final class ChildInput: Sendable {
    /// Our end of the program's stdin; -1 once closed. The lock keeps ``cutShort()`` from
    /// touching a descriptor number that was closed and reused meanwhile.
    private let descriptor: Locked<Int32>

    package init(feeding input: [UInt8], to descriptor: Int32) {
        self.descriptor = Locked(descriptor)
        let state = self.descriptor
        let thread = Thread {
            input.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let sent = send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                    if sent < 0, errno == EINTR { continue }
                    guard sent > 0 else { break }
                    offset += sent
                }
            }
            state.withLock { fd in
                Glibc.close(fd)
                fd = -1
            }
        }
        thread.name = "streamd.hook.stdin"
        thread.start()
    }

    /// Everything was written, or the write was given up, and our end is closed.
    package var isFinished: Bool { descriptor.withLock { $0 < 0 } }

    /// Wakes a `send` still waiting (it fails with EPIPE): the program has ended.
    package func cutShort() {
        descriptor.withLock { fd in
            if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }
}
