/// How a window folds its elements into a result (SPEC §2.5: `init/add/merge/result`).
///
/// `merge` combines two partial states; session windows use it when an element bridges two
/// sessions. Built-in aggregators live in ``Aggregators``; write your own by conforming, or with
/// ``CustomAggregator``.
public protocol Aggregator<Input, Output>: Sendable {
    associatedtype Input
    associatedtype State
    associatedtype Output: Sendable

    /// The state of an empty window.
    func makeState() -> State
    /// Adds one element, with its timestamp (first/last use it).
    func add(_ input: Input, at time: Timestamp, to state: inout State)
    /// Adds everything in `other` to `state`.
    func merge(_ other: State, into state: inout State)
    func result(_ state: State) -> Output
}

/// An aggregator from four closures.
///
/// ```swift
/// let range = CustomAggregator<Double, (lo: Double, hi: Double), Double>(
///     initial: (.infinity, -.infinity),
///     add: { value, _, state in state = (min(state.lo, value), max(state.hi, value)) },
///     merge: { other, state in state = (min(state.lo, other.lo), max(state.hi, other.hi)) },
///     result: { $0.hi - $0.lo })
/// ```
public struct CustomAggregator<Input, State: Sendable, Output: Sendable>: Aggregator {
    let initial: State
    let addClosure: @Sendable (Input, Timestamp, inout State) -> Void
    let mergeClosure: @Sendable (State, inout State) -> Void
    let resultClosure: @Sendable (State) -> Output

    public init(
        initial: State,
        add: @escaping @Sendable (Input, Timestamp, inout State) -> Void,
        merge: @escaping @Sendable (State, inout State) -> Void,
        result: @escaping @Sendable (State) -> Output
    ) {
        self.initial = initial
        self.addClosure = add
        self.mergeClosure = merge
        self.resultClosure = result
    }

    public func makeState() -> State { initial }
    public func add(_ input: Input, at time: Timestamp, to state: inout State) { addClosure(input, time, &state) }
    public func merge(_ other: State, into state: inout State) { mergeClosure(other, &state) }
    public func result(_ state: State) -> Output { resultClosure(state) }
}
