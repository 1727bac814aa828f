/// One step of a ``Pipeline``: a function run by `workers` concurrent tasks that take elements
/// from the stage's own bounded input buffer (the seed's `stage(fn, workers=n)`).
///
/// ```swift
/// Stage<Int, Int>("double", workers: 2) { $0 * 2 }
/// Stage<Int, Int>.filter("positive") { $0 > 0 }
/// ```
public struct Stage<Input: Sendable, Output: Sendable>: Sendable {
    /// Shown in metrics and failures; the pipeline names unnamed stages `stage-1`, `stage-2`, …
    public var name: String?
    public var workers: Int
    /// Capacity of the buffer in front of this stage. The first stage reads the pipeline's input
    /// channel directly, so that channel's capacity is the first stage's buffer.
    public var capacity: Int
    /// Emit results in input order (at the cost of a small reorder buffer); default unordered.
    public var ordered: Bool
    /// Returns the output, or `nil` to filter the element out; throwing makes a ``StageFailure``.
    @usableFromInline let process: @Sendable (Input) async throws -> Output?

    @inlinable
    init(
        name: String?,
        workers: Int,
        capacity: Int,
        ordered: Bool,
        process: @escaping @Sendable (Input) async throws -> Output?
    ) {
        precondition(workers >= 1, "a stage needs at least one worker")
        precondition(capacity >= 1, "a stage's buffer needs a capacity of at least 1")
        self.name = name
        self.workers = workers
        self.capacity = capacity
        self.ordered = ordered
        self.process = process
    }

    /// A stage that transforms every element.
    @inlinable
    public init(
        _ name: String? = nil,
        workers: Int = 1,
        capacity: Int = 256,
        ordered: Bool = false,
        _ transform: @escaping @Sendable (Input) async throws -> Output
    ) {
        self.init(name: name, workers: workers, capacity: capacity, ordered: ordered) { try await transform($0) }
    }

    /// A stage that transforms elements and filters out those for which `transform` returns `nil`.
    @inlinable
    public static func compactMap(
        _ name: String? = nil,
        workers: Int = 1,
        capacity: Int = 256,
        ordered: Bool = false,
        _ transform: @escaping @Sendable (Input) async throws -> Output?
    ) -> Stage {
        Stage(name: name, workers: workers, capacity: capacity, ordered: ordered, process: transform)
    }
}

extension Stage where Input == Output {
    /// A stage that keeps the elements for which `isIncluded` is true (the rest count as filtered).
    @inlinable
    public static func filter(
        _ name: String? = nil,
        workers: Int = 1,
        capacity: Int = 256,
        ordered: Bool = false,
        _ isIncluded: @escaping @Sendable (Input) async throws -> Bool
    ) -> Stage {
        Stage(name: name, workers: workers, capacity: capacity, ordered: ordered) { try await isIncluded($0) ? $0 : nil }
    }
}
