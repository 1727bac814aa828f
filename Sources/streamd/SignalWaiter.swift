import Dispatch
import Foundation


/// Turns SIGTERM/SIGINT into an awaitable event. The signals' default action is disabled first,
/// for the whole process (libmicrohttpd's threads included), so they are only ever taken here.
final class SignalWaiter {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = signals.map { number in
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    /// Waits for the next signal and returns its number.
    func next() async -> Int32 {
        for await number in stream { return number }
        return SIGTERM
    }
}
