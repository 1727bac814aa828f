import DequeModule
import StreamKit

/// The latest stage failures of a pipeline, for `GET .../errors`, newest kept.
final class FailureLog: Sendable {
    struct Entry: Sendable {
        var stage: String
        var input: JSONValue
        var error: String
        var at: Double
    }

    private let entries: Locked<Deque<Entry>>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        entries = Locked(Deque())
    }

    func record(_ failure: StageFailure) {
        let input: JSONValue = (failure.input as? Event).map(JSONValue.object) ?? .string("\(failure.input)")
        let entry = Entry(stage: failure.stage, input: input, error: "\(failure.error)", at: failure.at)
        entries.withLock {
            if $0.count == capacity { $0.removeFirst() }
            $0.append(entry)
        }
    }

    /// Up to `limit` of the newest failures, oldest first.
    func latest(_ limit: Int) -> [Entry] {
        entries.withLock { Array($0.suffix(max(0, limit))) }
    }
}
