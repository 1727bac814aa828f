/// Parses expression text into an `ExpressionNode` tree by precedence climbing.
///
/// Grammar, lowest precedence first (all binary operators group left except `??`):
///
///     expr    := expr ('??' | '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in'
///                      | '+' | '-' | '*' | '/' | '%') expr
///              | ('!' | '-') expr
///              | primary postfix*
///     postfix := '.' name | '[' expr ']'            (no space before either)
///     primary := number | string | 'true' | 'false' | 'null' | '[' (expr (',' expr)*)? ']'
///              | '.' | '.' name | name | name '(' (expr (',' expr)*)? ')' | '(' expr ')'
///
/// Nesting is capped at `maximumDepth`, so hostile text cannot exhaust the stack here, in the
/// compiler or in evaluation, which all recurse over the tree.
package struct ExpressionParser {
    package static let maximumDepth = 100

    private var lexer: ExpressionLexer
    private var current: ExpressionToken
    /// How many nested `parseBinary`/`parseUnary` calls are active.
    private var depth = 0

    /// Parses `source`, which must be one whole expression.
    package static func parse(_ source: String) throws(ExpressionError) -> ExpressionNode {
        var parser = try ExpressionParser(source)
        let parsed = try parser.parseBinary(minimumPrecedence: 0)
        guard case .end = parser.current.kind else { throw parser.unexpected() }
        return parsed.node
    }

    private init(_ source: String) throws(ExpressionError) {
        lexer = ExpressionLexer(source)
        current = try lexer.next()
    }

    /// A subtree and its height, tracked so long operator chains hit the depth limit too.
    private struct Parsed {
        var node: ExpressionNode
        var height: Int
        var allowsPostfix = true
    }

    // MARK: - Operators

    private mutating func parseBinary(minimumPrecedence: Int) throws(ExpressionError) -> Parsed {
        try enter()
        defer { depth -= 1 }
        var left = try parseUnary()
        while let op = binaryOperator(current), op.precedence >= minimumPrecedence {
            let opToken = current
            try advance()
            let right = try parseBinary(minimumPrecedence: op.isRightAssociative ? op.precedence : op.precedence + 1)
            left = try node(.binary(op, left.node, right.node), height: max(left.height, right.height) + 1, at: opToken)
        }
        return left
    }

    private func binaryOperator(_ token: ExpressionToken) -> BinaryOperator? {
        switch token.kind {
        case .identifier("in"): .in
        case .symbol(let symbol): BinaryOperator(rawValue: symbol.rawValue)
        default: nil
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> Parsed {
        let op: UnaryOperator
        switch current.kind {
        case .symbol(.bang): op = .not
        case .symbol(.minus): op = .negate
        default: return try parsePostfix()
        }
        let opToken = current
        try advance()
        try enter()
        defer { depth -= 1 }
        let operand = try parseUnary()
        if op == .negate, case .literal(.number(let number)) = operand.node {
            return Parsed(node: .literal(.number(-number)), height: operand.height, allowsPostfix: false)
        }
        return try node(.unary(op, operand.node), height: operand.height + 1, at: opToken)
    }

    // MARK: - Postfix access and primaries

    private mutating func parsePostfix() throws(ExpressionError) -> Parsed {
        var base = try parsePrimary()
        while base.allowsPostfix, !current.spaceBefore {
            let token = current
            if case .field(let name) = token.kind {
                try advance()
                base = try node(.field(base.node, name), height: base.height + 1, at: token)
            } else if case .symbol(.leftBracket) = token.kind {
                try advance()
                let index = try parseBinary(minimumPrecedence: 0)
                try expect(.rightBracket)
                // `.a["b"]` is the same access as `.a.b`; one spelling keeps the tree canonical.
                let access: ExpressionNode =
                    if case .literal(.string(let key)) = index.node { .field(base.node, key) } else {
                        .index(base.node, index.node)
                    }
                base = try node(access, height: max(base.height, index.height) + 1, at: token)
            } else {
                break
            }
        }
        return base
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Parsed {
        let token = current
        switch token.kind {
        case .number(let number):
            try advance()
            return Parsed(node: .literal(.number(number)), height: 0, allowsPostfix: false)
        case .string(let string):
            try advance()
            return Parsed(node: .literal(.string(string)), height: 0, allowsPostfix: false)
        case .identifier("true"), .identifier("false"), .identifier("null"):
            try advance()
            let value: JSONValue = token.text == "null" ? .null : .bool(token.text == "true")
            return Parsed(node: .literal(value), height: 0, allowsPostfix: false)
        case .identifier("in"):
            throw unexpected()
        case .identifier(let name):
            try advance()
            guard case .symbol(.leftParen) = current.kind else {
                return Parsed(node: .field(.event, name), height: 1)
            }
            try advance()
            let arguments = try parseList(closedBy: .rightParen)
            let height = (arguments.map(\.height).max() ?? 0) + 1
            return try node(.call(name, arguments.map(\.node), column: token.column), height: height, at: token)
        case .field(let name):
            try advance()
            return Parsed(node: .field(.event, name), height: 1)
        case .dot:
            try advance()
            // `..a` is not a path; `.["a"]` is.
            if case .field = current.kind, !current.spaceBefore { throw unexpected() }
            return Parsed(node: .event, height: 0)
        case .symbol(.leftParen):
            try advance()
            let inner = try parseBinary(minimumPrecedence: 0)
            try expect(.rightParen)
            return Parsed(node: inner.node, height: inner.height)
        case .symbol(.leftBracket):
            try advance()
            let elements = try parseList(closedBy: .rightBracket)
            let height = (elements.map(\.height).max() ?? 0) + 1
            return try node(.array(elements.map(\.node)), height: height, at: token)
        default:
            throw unexpected()
        }
    }

    /// Comma-separated expressions up to and including `closer`; the opener is already consumed.
    private mutating func parseList(closedBy closer: ExpressionSymbol) throws(ExpressionError) -> [Parsed] {
        var items: [Parsed] = []
        if case .symbol(closer) = current.kind {
            try advance()
            return items
        }
        while true {
            items.append(try parseBinary(minimumPrecedence: 0))
            if case .symbol(.comma) = current.kind {
                try advance()
                continue
            }
            try expect(closer)
            return items
        }
    }

    // MARK: - Helpers

    private mutating func advance() throws(ExpressionError) {
        current = try lexer.next()
    }

    private mutating func expect(_ symbol: ExpressionSymbol) throws(ExpressionError) {
        guard case .symbol(symbol) = current.kind else {
            throw .syntax("expected '\(symbol.rawValue)' but found \(current.quoted)", column: current.column)
        }
        try advance()
    }

    private func unexpected() -> ExpressionError {
        .syntax("unexpected \(current.quoted)", column: current.column)
    }

    private mutating func enter() throws(ExpressionError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw tooDeep(at: current) }
    }

    private func node(_ node: ExpressionNode, height: Int, at token: ExpressionToken) throws(ExpressionError) -> Parsed
    {
        guard height <= Self.maximumDepth else { throw tooDeep(at: token) }
        return Parsed(node: node, height: height)
    }

    private func tooDeep(at token: ExpressionToken) -> ExpressionError {
        .syntax("expression nests deeper than \(Self.maximumDepth) levels", column: token.column)
    }
}
