import OrderedCollections

/// What the operators mean on JSON values. Every function here either returns or throws a
/// runtime `ExpressionError`; none may trap on any input, because inputs come from events.
package enum ExpressionOperators {
    // MARK: - Access

    /// `value.key` / `value["key"]`: anything that is not an object has no fields, so the
    /// result is `null`, like a missing field.
    @inline(__always)
    package static func member(_ value: JSONValue, _ key: String) -> JSONValue {
        guard case .object(let object) = value else { return .null }
        return object[key] ?? .null
    }

    /// `value[index]`: negative indexes count from the end; out of range or not an array is `null`.
    @inline(__always)
    package static func element(_ value: JSONValue, _ index: Int) -> JSONValue {
        guard case .array(let array) = value, let position = position(of: index, count: array.count) else {
            return .null
        }
        return array[position]
    }

    /// `value[index]` with a computed index: a number indexes arrays, a string indexes objects.
    package static func subscripted(_ value: JSONValue, by index: JSONValue) throws(ExpressionError) -> JSONValue {
        switch index {
        case .number(let number):
            guard let integer = integer(number) else { return .null }
            return element(value, integer)
        case .string(let key): return member(value, key)
        case .null: return .null
        default: throw .runtime("cannot index with \(index.typeName)")
        }
    }

    /// The array position `index` names (negative counts from the end), if it is in range.
    package static func position(of index: Int, count: Int) -> Int? {
        let position = index < 0 ? index + count : index
        return position >= 0 && position < count ? position : nil
    }

    /// `number` as an `Int` when it is a whole number of safe size; `nil` otherwise (no trap).
    package static func integer(_ number: Double) -> Int? {
        guard number.isFinite, number == number.rounded(.towardZero), abs(number) < 1e15 else { return nil }
        return Int(number)
    }

    // MARK: - Equality and ordering

    /// Deep equality: object key order does not matter, `1 == 1.0`, and values of different
    /// types are simply unequal.
    package static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            a.count == b.count
                && a.allSatisfy { key, value in
                    guard let other = b[key] else { return false }
                    return equal(value, other)
                }
        default: false
        }
    }

    /// `<`, `<=`, `>`, `>=`: numbers with numbers, strings with strings; anything else is a
    /// type error rather than a guess.
    @inline(__always)
    package static func compare(_ op: BinaryOperator, _ left: JSONValue, _ right: JSONValue) throws(ExpressionError) -> Bool {
        switch (left, right) {
        case (.number(let a), .number(let b)): return ordered(op, a, b)
        case (.string(let a), .string(let b)): return ordered(op, a, b)
        default: throw .runtime("cannot compare \(left.typeName) with \(right.typeName)")
        }
    }

    @inline(__always)
    package static func ordered<T: Comparable>(_ op: BinaryOperator, _ a: T, _ b: T) -> Bool {
        switch op {
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        default: a >= b
        }
    }

    // MARK: - Arithmetic

    /// `+ - * / %` on numbers, and `+` on two strings. Division by zero and results too large
    /// for a JSON number are errors.
    @inline(__always)
    package static func arithmetic(_ op: BinaryOperator, _ left: JSONValue, _ right: JSONValue) throws(ExpressionError)
        -> JSONValue
    {
        guard case .number(let a) = left, case .number(let b) = right else {
            if op == .add, case .string(let a) = left, case .string(let b) = right { return .string(a + b) }
            let expected = op == .add ? "two numbers or two strings" : "numbers"
            throw .runtime("'\(op.rawValue)' expects \(expected), got \(left.typeName) and \(right.typeName)")
        }
        let result: Double
        switch op {
        case .add: result = a + b
        case .subtract: result = a - b
        case .multiply: result = a * b
        case .divide:
            guard b != 0 else { throw .runtime("division by zero") }
            result = a / b
        default:
            guard b != 0 else { throw .runtime("division by zero") }
            result = a.truncatingRemainder(dividingBy: b)
        }
        guard result.isFinite else { throw .runtime("'\(op.rawValue)' result is out of range") }
        return .number(result)
    }

    package static func negate(_ value: JSONValue) throws(ExpressionError) -> JSONValue {
        guard case .number(let number) = value else { throw .runtime("'-' expects a number, got \(value.typeName)") }
        return .number(-number)
    }

    package static func not(_ value: JSONValue) throws(ExpressionError) -> JSONValue {
        guard case .bool(let bool) = value else { throw .runtime("'!' expects a boolean, got \(value.typeName)") }
        return .bool(!bool)
    }

    // MARK: - Membership

    /// `needle in haystack`: an element of an array (deep equality), a substring of a string,
    /// or a key of an object.
    package static func isMember(_ needle: JSONValue, of haystack: JSONValue) throws(ExpressionError) -> Bool {
        switch haystack {
        case .array(let elements):
            return elements.contains { equal($0, needle) }
        case .string(let string):
            guard case .string(let part) = needle else {
                throw .runtime("'in' expects a string on the left of a string, got \(needle.typeName)")
            }
            return part.isEmpty || string.contains(part)
        case .object(let object):
            guard case .string(let key) = needle else {
                throw .runtime("'in' expects a string key on the left of an object, got \(needle.typeName)")
            }
            return object[key] != nil
        default:
            throw .runtime("'in' expects an array, string or object on the right, got \(haystack.typeName)")
        }
    }
}
