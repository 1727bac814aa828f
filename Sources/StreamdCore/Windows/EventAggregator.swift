import OrderedCollections
package import StreamKit
import Synchronization

/// A window stage's `aggregates:` as one StreamKit ``Aggregator`` over events, producing the
/// aggregate fields of the result event.
///
/// Like SQL, numeric aggregates skip missing and null values (`avg` of no numbers is null); a
/// value of another type is skipped too and counted in ``invalidValues`` (a metric), since a
/// window result cannot fail one event.
package struct EventAggregator: Aggregator {
    package let aggregates: [NamedAggregate]
    package let invalidValues: InvalidValueCounter
    /// Where each aggregate keeps its non-scalar state (sets, sketches, timed values).
    private let slots: [Int]
    /// The distinct arguments (`avg(.value)` and `max(.value)` read `.value` once per event), and
    /// for each aggregate the index of its argument among them (`nil` for `count()`).
    private let arguments: [Expression]
    private let argumentOf: [Int?]

    package init(_ aggregates: [NamedAggregate], invalidValues: InvalidValueCounter) {
        self.aggregates = aggregates
        self.invalidValues = invalidValues
        var distinct: [Expression] = []
        argumentOf = aggregates.map { aggregate in
            guard let argument = aggregate.argument else { return nil }
            if let index = distinct.firstIndex(of: argument) { return index }
            distinct.append(argument)
            return distinct.count - 1
        }
        arguments = distinct
        var nextSlot = (timed: 0, sets: 0, sketches: 0)
        slots = aggregates.map { aggregate in
            switch aggregate.function {
            case .first, .last:
                defer { nextSlot.timed += 1 }
                return nextSlot.timed
            case .distinctCount:
                defer { nextSlot.sets += 1 }
                return nextSlot.sets
            case .quantile:
                defer { nextSlot.sketches += 1 }
                return nextSlot.sketches
            default:
                return 0
            }
        }
    }

    /// Per aggregate: a number (sum, min or max) and how many values it has seen; plus the
    /// non-scalar states, in arrays so updates happen in place.
    package struct State {
        var numbers: [Double]
        var counts: [Int]
        var timed: [TimedValue<JSONValue>?]
        var sets: [Set<JSONValue>]
        var sketches: [QuantileSketch]
    }

    package func makeState() -> State {
        var state = State(numbers: [], counts: Array(repeating: 0, count: aggregates.count), timed: [], sets: [], sketches: [])
        for aggregate in aggregates {
            state.numbers.append(aggregate.function == .min ? .infinity : aggregate.function == .max ? -.infinity : 0)
            switch aggregate.function {
            case .first, .last: state.timed.append(nil)
            case .distinctCount: state.sets.append([])
            case .quantile: state.sketches.append(QuantileSketch())
            default: break
            }
        }
        return state
    }

    package func add(_ event: Event, at time: Timestamp, to state: inout State) {
        // The argument values on the stack: no allocation per event.
        withUnsafeTemporaryAllocation(of: JSONValue.self, capacity: arguments.count) { values in
            for (index, argument) in arguments.enumerated() {
                (values.baseAddress! + index).initialize(to: (try? argument.evaluate(event)) ?? .null)
            }
            defer { values.baseAddress?.deinitialize(count: arguments.count) }
            fold(values, at: time, into: &state)
        }
    }

    private func fold(_ values: UnsafeMutableBufferPointer<JSONValue>, at time: Timestamp, into state: inout State) {
        for index in aggregates.indices {
            let aggregate = aggregates[index]
            guard let argument = argumentOf[index] else {
                state.counts[index] += 1
                continue
            }
            let value = values[argument]
            if aggregate.function.isNumeric {
                guard case .number(let number) = value else {
                    if !value.isNull { invalidValues.add() }
                    continue
                }
                state.counts[index] += 1
                switch aggregate.function {
                case .sum, .avg: state.numbers[index] += number
                case .min: if number < state.numbers[index] { state.numbers[index] = number }
                case .max: if number > state.numbers[index] { state.numbers[index] = number }
                case .quantile: state.sketches[slots[index]].add(number)
                default: break
                }
                continue
            }
            guard !value.isNull else { continue }
            state.counts[index] += 1
            switch aggregate.function {
            case .first:
                if let current = state.timed[slots[index]], current.time <= time { break }
                state.timed[slots[index]] = TimedValue(time: time, value: value)
            case .last:
                if let current = state.timed[slots[index]], current.time > time { break }
                state.timed[slots[index]] = TimedValue(time: time, value: value)
            case .distinctCount:
                state.sets[slots[index]].insert(value)
            default: break
            }
        }
    }

    package func merge(_ other: State, into state: inout State) {
        for index in aggregates.indices {
            let slot = slots[index]
            state.counts[index] += other.counts[index]
            switch aggregates[index].function {
            case .count: break
            case .sum, .avg: state.numbers[index] += other.numbers[index]
            case .min: state.numbers[index] = Swift.min(state.numbers[index], other.numbers[index])
            case .max: state.numbers[index] = Swift.max(state.numbers[index], other.numbers[index])
            case .first:
                if let candidate = other.timed[slot], state.timed[slot].map({ candidate.time < $0.time }) ?? true { state.timed[slot] = candidate }
            case .last:
                if let candidate = other.timed[slot], state.timed[slot].map({ candidate.time >= $0.time }) ?? true { state.timed[slot] = candidate }
            case .distinctCount: state.sets[slot].formUnion(other.sets[slot])
            case .quantile: state.sketches[slot].merge(other.sketches[slot])
            }
        }
    }

    package func result(_ state: State) -> JSONObject {
        var fields = JSONObject(minimumCapacity: aggregates.count)
        for (index, aggregate) in aggregates.enumerated() {
            let slot = slots[index]
            let seen = state.counts[index]
            let value: JSONValue = switch aggregate.function {
            case .count: .number(Double(seen))
            case .sum: .number(state.numbers[index])
            case .avg: seen == 0 ? .null : .number(state.numbers[index] / Double(seen))
            case .min, .max: seen == 0 ? .null : .number(state.numbers[index])
            case .first, .last: state.timed[slot]?.value ?? .null
            case .distinctCount: .number(Double(state.sets[slot].count))
            case .quantile(let q): state.sketches[slot].quantile(q).map(JSONValue.number) ?? .null
            }
            fields[aggregate.name] = value
        }
        return fields
    }
}

/// Values a window skipped because they had the wrong type; grows while the process lives.
package final class InvalidValueCounter: Sendable {
    private let count = Atomic<Int>(0)
    package func add() { count.add(1, ordering: .relaxed) }
    package var value: Int { count.load(ordering: .relaxed) }

    package init() {}
}
