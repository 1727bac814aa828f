import DequeModule
package import StreamKit

/// The latest stage failures of a pipeline, for `GET .../errors`, newest kept.
package final class FailureLog: Sendable {
    package struct Entry: Sendable {
        package var stage: String
        package var input: JSONValue
        package var error: String
        package var at: Double
    }

    private let entries: Locked<Deque<Entry>>
    package let capacity: Int

    package init(capacity: Int) {
        self.capacity = capacity
        entries = Locked(Deque())
    }

    package func record(_ failure: StageFailure) {
        let input: JSONValue = (failure.input as? Event).map(JSONValue.object) ?? .string("\(failure.input)")
        let entry = Entry(stage: failure.stage, input: input, error: "\(failure.error)", at: failure.at)
        entries.withLock {
            if $0.count == capacity { $0.removeFirst() }
            $0.append(entry)
        }
    }

    /// Up to `limit` of the newest failures, oldest first.
    package func latest(_ limit: Int) -> [Entry] {
        entries.withLock { Array($0.suffix(max(0, limit))) }
    }
}
