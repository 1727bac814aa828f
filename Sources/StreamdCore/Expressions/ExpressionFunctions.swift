import OrderedCollections

/// The built-in functions. Names and argument counts are checked once, at compile time, and
/// each call becomes a closure over its compiled arguments, so evaluation never looks a
/// function up by name.
package enum ExpressionFunctions {
    /// The names, for error messages and documentation.
    package static let names = [
        "abs", "contains", "exists", "len", "lower", "now", "round", "starts_with", "to_number", "to_string", "upper",
    ]

    /// Whether `name(…)` always gives the same result for the same arguments, so a call on
    /// constants can be computed at compile time. Only `now()` does not.
    package static func isPure(_ name: String) -> Bool { name != "now" }

    /// The evaluator for `name(arguments…)`; throws a compile error for an unknown name or a
    /// wrong argument count.
    package static func compile(
        _ name: String, arguments: [ExpressionEvaluator], column: Int
    ) throws(ExpressionError) -> ExpressionEvaluator {
        switch name {
        case "now":
            try expect(name, 0...0, arguments.count, column)
            return { _, context in .number(context.now()) }
        case "exists":
            // Inlined rather than built with `unary`: filters use it most, so save a call.
            try expect(name, 1...1, arguments.count, column)
            let argument = arguments[0]
            return { event, context throws(ExpressionError) in .bool(!(try argument(event, context)).isNull) }
        case "len":
            return try unary(name, arguments, column, length)
        case "lower":
            return try unary(name, arguments, column) { value throws(ExpressionError) in
                .string(try string(name, value).lowercased())
            }
        case "upper":
            return try unary(name, arguments, column) { value throws(ExpressionError) in
                .string(try string(name, value).uppercased())
            }
        case "to_number":
            return try unary(name, arguments, column, toNumber)
        case "to_string":
            return try unary(name, arguments, column, toString)
        case "abs":
            return try unary(name, arguments, column) { value throws(ExpressionError) in
                .number(abs(try number(name, value)))
            }
        case "contains":
            return try binary(name, arguments, column, contains)
        case "starts_with":
            return try binary(name, arguments, column) { text, prefix throws(ExpressionError) in
                .bool(try string(name, text).hasPrefix(try string(name, prefix)))
            }
        case "round":
            try expect(name, 1...2, arguments.count, column)
            if arguments.count == 2 { return try binary(name, arguments, column, round) }
            return try unary(name, arguments, column) { value throws(ExpressionError) in
                .number(try number(name, value).rounded())
            }
        default:
            throw .compile("unknown function '\(name)'", column: column)
        }
    }

    // MARK: - Implementations

    private static func length(_ value: JSONValue) throws(ExpressionError) -> JSONValue {
        switch value {
        case .string(let string): .number(Double(string.count))
        case .array(let array): .number(Double(array.count))
        case .object(let object): .number(Double(object.count))
        default: throw .runtime("'len' expects a string, array or object, got \(value.typeName)")
        }
    }

    private static func contains(_ haystack: JSONValue, _ needle: JSONValue) throws(ExpressionError) -> JSONValue {
        switch haystack {
        case .string(let string):
            guard case .string(let part) = needle else {
                throw .runtime("'contains' expects a string to look for in a string, got \(needle.typeName)")
            }
            return .bool(part.isEmpty || string.contains(part))
        case .array(let array):
            return .bool(array.contains { ExpressionOperators.equal($0, needle) })
        default:
            throw .runtime("'contains' expects a string or array, got \(haystack.typeName)")
        }
    }

    /// Numbers pass through, booleans are 1/0, strings must look like a JSON number (no `nan`,
    /// `inf` or hex, which `Double.init` would accept).
    private static func toNumber(_ value: JSONValue) throws(ExpressionError) -> JSONValue {
        switch value {
        case .number: return value
        case .bool(let bool): return .number(bool ? 1 : 0)
        case .string(let string):
            let scalars = Array(string.unicodeScalars)
            let start = scalars.firstIndex { !ExpressionLexer.isSpace($0) } ?? scalars.endIndex
            let end = (scalars.lastIndex { !ExpressionLexer.isSpace($0) } ?? -1) + 1
            let trimmed = start < end ? scalars[start..<end] : []
            let allowed = trimmed.allSatisfy { ExpressionLexer.isDigit($0) || "+-.eE".unicodeScalars.contains($0) }
            if allowed, trimmed.contains(where: ExpressionLexer.isDigit),
                let number = Double(String(String.UnicodeScalarView(trimmed))), number.isFinite
            {
                return .number(number)
            }
            throw .runtime("'to_number' cannot convert \(ExpressionText.quoted(string)) to a number")
        default:
            throw .runtime("'to_number' expects a number, string or boolean, got \(value.typeName)")
        }
    }

    private static func toString(_ value: JSONValue) -> JSONValue {
        if case .string = value { return value }
        return .string(ExpressionText.compactJSON(value))
    }

    /// `round(x, digits)`: digits are clamped to -15...15 (negative rounds to tens, hundreds…);
    /// halves round away from zero.
    private static func round(_ value: JSONValue, _ digitsValue: JSONValue) throws(ExpressionError) -> JSONValue {
        let base = try number("round", value)
        let digits = try number("round", digitsValue)
        guard !digits.isNaN else { throw .runtime("'round' expects a whole number of digits") }
        let places = Int(max(-15, min(15, digits.rounded(.towardZero))))
        var scale = 1.0
        for _ in 0..<places.magnitude { scale *= 10 }
        let rounded = places >= 0 ? (base * scale).rounded() / scale : (base / scale).rounded() * scale
        return .number(rounded.isFinite ? rounded : base)
    }

    // MARK: - Helpers

    private static func string(_ function: String, _ value: JSONValue) throws(ExpressionError) -> String {
        guard case .string(let string) = value else {
            throw .runtime("'\(function)' expects a string, got \(value.typeName)")
        }
        return string
    }

    private static func number(_ function: String, _ value: JSONValue) throws(ExpressionError) -> Double {
        guard case .number(let number) = value else {
            throw .runtime("'\(function)' expects a number, got \(value.typeName)")
        }
        return number
    }

    private static func expect(
        _ name: String, _ arity: ClosedRange<Int>, _ count: Int, _ column: Int
    ) throws(ExpressionError) {
        guard !arity.contains(count) else { return }
        let expected =
            switch (arity.lowerBound, arity.upperBound) {
            case (0, 0): "no arguments"
            case (1, 1): "1 argument"
            case (let low, let high) where low == high: "\(low) arguments"
            case (let low, let high): "\(low) or \(high) arguments"
            }
        throw .compile("'\(name)' expects \(expected), got \(count)", column: column)
    }

    private static func unary(
        _ name: String, _ arguments: [ExpressionEvaluator], _ column: Int,
        _ body: @escaping @Sendable (JSONValue) throws(ExpressionError) -> JSONValue
    ) throws(ExpressionError) -> ExpressionEvaluator {
        try expect(name, 1...1, arguments.count, column)
        let argument = arguments[0]
        return { event, context throws(ExpressionError) in try body(try argument(event, context)) }
    }

    private static func binary(
        _ name: String, _ arguments: [ExpressionEvaluator], _ column: Int,
        _ body: @escaping @Sendable (JSONValue, JSONValue) throws(ExpressionError) -> JSONValue
    ) throws(ExpressionError) -> ExpressionEvaluator {
        try expect(name, 2...2, arguments.count, column)
        let first = arguments[0]
        let second = arguments[1]
        return { event, context throws(ExpressionError) in
            try body(try first(event, context), try second(event, context))
        }
    }
}
