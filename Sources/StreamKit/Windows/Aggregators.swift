/// The built-in aggregators. Each reads a number (or a value) from the element with a closure.
///
/// ```swift
/// let p99 = Aggregators.Quantile<Metric>(0.99) { $0.value }
/// ```
public enum Aggregators {
    public struct Count<Input>: Aggregator {
        public init() {}
        public func makeState() -> Int { 0 }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Int) { state += 1 }
        public func merge(_ other: Int, into state: inout Int) { state += other }
        public func result(_ state: Int) -> Int { state }
    }

    public struct Sum<Input>: Aggregator {
        @usableFromInline let value: @Sendable (Input) -> Double
        public init(of value: @escaping @Sendable (Input) -> Double) { self.value = value }
        public func makeState() -> Double { 0 }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Double) { state += value(input) }
        public func merge(_ other: Double, into state: inout Double) { state += other }
        public func result(_ state: Double) -> Double { state }
    }

    /// The mean; `nil` for an empty window.
    public struct Average<Input>: Aggregator {
        public struct State: Sendable { public var sum = 0.0, count = 0 }
        @usableFromInline let value: @Sendable (Input) -> Double
        public init(of value: @escaping @Sendable (Input) -> Double) { self.value = value }
        public func makeState() -> State { State() }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout State) {
            state.sum += value(input)
            state.count += 1
        }
        public func merge(_ other: State, into state: inout State) {
            state.sum += other.sum
            state.count += other.count
        }
        public func result(_ state: State) -> Double? { state.count == 0 ? nil : state.sum / Double(state.count) }
    }

    public struct Minimum<Input>: Aggregator {
        @usableFromInline let value: @Sendable (Input) -> Double
        public init(of value: @escaping @Sendable (Input) -> Double) { self.value = value }
        public func makeState() -> Double? { nil }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Double?) {
            let x = value(input)
            if let current = state, current <= x { return }
            state = x
        }
        public func merge(_ other: Double?, into state: inout Double?) {
            if let other, state.map({ other < $0 }) ?? true { state = other }
        }
        public func result(_ state: Double?) -> Double? { state }
    }

    public struct Maximum<Input>: Aggregator {
        @usableFromInline let value: @Sendable (Input) -> Double
        public init(of value: @escaping @Sendable (Input) -> Double) { self.value = value }
        public func makeState() -> Double? { nil }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Double?) {
            let x = value(input)
            if let current = state, current >= x { return }
            state = x
        }
        public func merge(_ other: Double?, into state: inout Double?) {
            if let other, state.map({ other > $0 }) ?? true { state = other }
        }
        public func result(_ state: Double?) -> Double? { state }
    }

    /// The value of the element with the earliest timestamp (the first to arrive among equals).
    public struct First<Input, Value: Sendable>: Aggregator {
        @usableFromInline let value: @Sendable (Input) -> Value
        public init(of value: @escaping @Sendable (Input) -> Value) { self.value = value }
        public func makeState() -> TimedValue<Value>? { nil }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout TimedValue<Value>?) {
            if let current = state, current.time <= time { return }
            state = TimedValue(time: time, value: value(input))
        }
        public func merge(_ other: TimedValue<Value>?, into state: inout TimedValue<Value>?) {
            if let other, state.map({ other.time < $0.time }) ?? true { state = other }
        }
        public func result(_ state: TimedValue<Value>?) -> Value? { state?.value }
    }

    /// The value of the element with the latest timestamp (the last to arrive among equals).
    public struct Last<Input, Value: Sendable>: Aggregator {
        @usableFromInline let value: @Sendable (Input) -> Value
        public init(of value: @escaping @Sendable (Input) -> Value) { self.value = value }
        public func makeState() -> TimedValue<Value>? { nil }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout TimedValue<Value>?) {
            if let current = state, current.time > time { return }
            state = TimedValue(time: time, value: value(input))
        }
        public func merge(_ other: TimedValue<Value>?, into state: inout TimedValue<Value>?) {
            if let other, state.map({ other.time >= $0.time }) ?? true { state = other }
        }
        public func result(_ state: TimedValue<Value>?) -> Value? { state?.value }
    }

    /// The number of distinct values, counted exactly (memory grows with the distinct values of
    /// one window).
    public struct DistinctCount<Input, Value: Hashable & Sendable>: Aggregator {
        @usableFromInline let value: @Sendable (Input) -> Value
        public init(of value: @escaping @Sendable (Input) -> Value) { self.value = value }
        public func makeState() -> Set<Value> { [] }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Set<Value>) { state.insert(value(input)) }
        public func merge(_ other: Set<Value>, into state: inout Set<Value>) { state.formUnion(other) }
        public func result(_ state: Set<Value>) -> Int { state.count }
    }

    /// A quantile estimated with a ``QuantileSketch`` (within its relative accuracy); `nil` for an
    /// empty window.
    public struct Quantile<Input>: Aggregator {
        public let q: Double
        public let relativeAccuracy: Double
        @usableFromInline let value: @Sendable (Input) -> Double
        public init(_ q: Double, relativeAccuracy: Double = 0.01, of value: @escaping @Sendable (Input) -> Double) {
            precondition((0...1).contains(q), "a quantile is between 0 and 1")
            self.q = q
            self.relativeAccuracy = relativeAccuracy
            self.value = value
        }
        public func makeState() -> QuantileSketch { QuantileSketch(relativeAccuracy: relativeAccuracy) }
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout QuantileSketch) { state.add(value(input)) }
        public func merge(_ other: QuantileSketch, into state: inout QuantileSketch) { state.merge(other) }
        public func result(_ state: QuantileSketch) -> Double? { state.quantile(q) }
    }
}

/// A value with the timestamp it was seen at (the state of first/last).
public struct TimedValue<Value: Sendable>: Sendable {
    public var time: Timestamp
    public var value: Value
    @inlinable public init(time: Timestamp, value: Value) {
        self.time = time
        self.value = value
    }
}
