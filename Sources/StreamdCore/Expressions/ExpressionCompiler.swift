import OrderedCollections

/// A compiled expression: the event and context in, a value out. Nested closures, one per tree
/// node, built once by `ExpressionCompiler`.
package typealias ExpressionEvaluator = @Sendable (Event, EvaluationContext) throws(ExpressionError) -> JSONValue

/// Turns an `ExpressionNode` tree into nested closures, so evaluating an event does no parsing,
/// no name lookup and no walking of the tree.
///
/// Along the way it computes constant subtrees (`"a" + "b"`, `-(2)`, `[1, 2]`) once, and reads a
/// path like `.a.b[0]` with a single closure instead of one per step. A constant subtree that
/// fails (`1 < "a"`) is left to fail at runtime, because `false && (1 < "a")` must not fail.
package enum ExpressionCompiler {
    package static func compile(_ node: ExpressionNode) throws(ExpressionError) -> ExpressionEvaluator {
        try compileNode(node).evaluator
    }

    /// A compiled subtree: known now, or computed per event.
    package enum Compiled {
        case constant(JSONValue)
        case dynamic(ExpressionEvaluator)

        var evaluator: ExpressionEvaluator {
            switch self {
            case .constant(let value): { _, _ in value }
            case .dynamic(let evaluator): evaluator
            }
        }

        var constant: JSONValue? {
            if case .constant(let value) = self { value } else { nil }
        }
    }

    package static func compileNode(_ node: ExpressionNode) throws(ExpressionError) -> Compiled {
        if let path = staticPath(node) { return .dynamic(pathEvaluator(path)) }
        switch node {
        case .literal(let value):
            return .constant(value)
        case .event:
            return .dynamic { event, _ in .object(event) }
        case .field(let baseNode, let name):
            let base = try compileNode(baseNode)
            let read = base.evaluator
            return fold([base]) { event, context throws(ExpressionError) in
                ExpressionOperators.member(try read(event, context), name)
            }
        case .index(let baseNode, let indexNode):
            let base = try compileNode(baseNode)
            let index = try compileNode(indexNode)
            let read = base.evaluator
            let readIndex = index.evaluator
            return fold([base, index]) { event, context throws(ExpressionError) in
                try ExpressionOperators.subscripted(try read(event, context), by: try readIndex(event, context))
            }
        case .array(let elementNodes):
            var elements: [Compiled] = []
            for elementNode in elementNodes { elements.append(try compileNode(elementNode)) }
            let evaluators = elements.map(\.evaluator)
            return fold(elements) { event, context throws(ExpressionError) in
                var array: [JSONValue] = []
                array.reserveCapacity(evaluators.count)
                for evaluator in evaluators { array.append(try evaluator(event, context)) }
                return .array(array)
            }
        case .unary(let op, let operandNode):
            let operand = try compileNode(operandNode)
            let read = operand.evaluator
            switch op {
            case .not:
                return fold([operand]) { event, context throws(ExpressionError) in
                    try ExpressionOperators.not(try read(event, context))
                }
            case .negate:
                return fold([operand]) { event, context throws(ExpressionError) in
                    try ExpressionOperators.negate(try read(event, context))
                }
            }
        case .binary(let op, let leftNode, let rightNode):
            let left = try compileNode(leftNode)
            let right = try compileNode(rightNode)
            return fold([left, right], binary(op, left, right))
        case .call(let name, let argumentNodes, let column):
            var arguments: [Compiled] = []
            for argumentNode in argumentNodes { arguments.append(try compileNode(argumentNode)) }
            let call = try ExpressionFunctions.compile(name, arguments: arguments.map(\.evaluator), column: column)
            return ExpressionFunctions.isPure(name) ? fold(arguments, call) : .dynamic(call)
        }
    }

    // MARK: - Operators

    private static func binary(_ op: BinaryOperator, _ left: Compiled, _ right: Compiled) -> ExpressionEvaluator {
        let l = left.evaluator
        let r = right.evaluator
        switch op {
        case .coalesce:
            return { event, context throws(ExpressionError) in
                let value = try l(event, context)
                return value.isNull ? try r(event, context) : value
            }
        case .and:
            return { event, context throws(ExpressionError) in
                guard try boolean(op, l(event, context)) else { return .bool(false) }
                return .bool(try boolean(op, r(event, context)))
            }
        case .or:
            return { event, context throws(ExpressionError) in
                if try boolean(op, l(event, context)) { return .bool(true) }
                return .bool(try boolean(op, r(event, context)))
            }
        case .equal:
            return { event, context throws(ExpressionError) in
                .bool(ExpressionOperators.equal(try l(event, context), try r(event, context)))
            }
        case .notEqual:
            return { event, context throws(ExpressionError) in
                .bool(!ExpressionOperators.equal(try l(event, context), try r(event, context)))
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            if case .number(let limit)? = right.constant { return compare(op, l, to: limit) }
            return { event, context throws(ExpressionError) in
                .bool(try ExpressionOperators.compare(op, try l(event, context), try r(event, context)))
            }
        case .in:
            return { event, context throws(ExpressionError) in
                .bool(try ExpressionOperators.isMember(try l(event, context), of: try r(event, context)))
            }
        case .add, .subtract, .multiply, .divide, .remainder:
            return { event, context throws(ExpressionError) in
                try ExpressionOperators.arithmetic(op, try l(event, context), try r(event, context))
            }
        }
    }

    /// `x < 5` and friends, the most common filter shape: one closure per operator with the
    /// constant captured, so the hot path is a load, a type check and one comparison.
    private static func compare(_ op: BinaryOperator, _ l: @escaping ExpressionEvaluator, to limit: Double)
        -> ExpressionEvaluator
    {
        switch op {
        case .less:
            return { event, context throws(ExpressionError) in
                let value = try l(event, context)
                guard case .number(let number) = value else {
                    throw .runtime("cannot compare \(value.typeName) with number")
                }
                return .bool(number < limit)
            }
        case .lessOrEqual:
            return { event, context throws(ExpressionError) in
                let value = try l(event, context)
                guard case .number(let number) = value else {
                    throw .runtime("cannot compare \(value.typeName) with number")
                }
                return .bool(number <= limit)
            }
        case .greater:
            return { event, context throws(ExpressionError) in
                let value = try l(event, context)
                guard case .number(let number) = value else {
                    throw .runtime("cannot compare \(value.typeName) with number")
                }
                return .bool(number > limit)
            }
        default:
            return { event, context throws(ExpressionError) in
                let value = try l(event, context)
                guard case .number(let number) = value else {
                    throw .runtime("cannot compare \(value.typeName) with number")
                }
                return .bool(number >= limit)
            }
        }
    }

    /// `&&`, `||` take booleans only: `1 && true` is a mistake worth reporting, not truthiness.
    @inline(__always)
    private static func boolean(_ op: BinaryOperator, _ value: JSONValue) throws(ExpressionError) -> Bool {
        guard case .bool(let bool) = value else {
            throw .runtime("'\(op.rawValue)' expects booleans, got \(value.typeName)")
        }
        return bool
    }

    // MARK: - Paths and constants

    /// `.a.b[0]` with literal steps from the event, as a `FieldPath`, or `nil` for anything else.
    package static func staticPath(_ node: ExpressionNode) -> FieldPath? {
        var segments: [FieldPath.Segment] = []
        var current = node
        while true {
            switch current {
            case .event:
                return FieldPath(segments: segments.reversed())
            case .field(let base, let name):
                segments.append(.key(name))
                current = base
            case .index(let base, .literal(.string(let key))):
                segments.append(.key(key))
                current = base
            case .index(let base, .literal(.number(let number))):
                guard let index = ExpressionOperators.integer(number) else { return nil }
                segments.append(.index(index))
                current = base
            default:
                return nil
            }
        }
    }

    private static func pathEvaluator(_ path: FieldPath) -> ExpressionEvaluator {
        if path.segments.count == 1, case .key(let key) = path.segments[0] {
            return { event, _ in event[key] ?? .null }
        }
        return { event, _ in path.get(in: event) }
    }

    /// Computes `evaluator` now when all its inputs are constants and it succeeds; a failure is
    /// kept for runtime, where short-circuiting may never reach it.
    private static func fold(_ inputs: [Compiled], _ evaluator: @escaping ExpressionEvaluator) -> Compiled {
        guard inputs.allSatisfy({ $0.constant != nil }),
            let value = try? evaluator([:], EvaluationContext(now: { 0 }))
        else { return .dynamic(evaluator) }
        return .constant(value)
    }
}
