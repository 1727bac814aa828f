/// Parses the path subset of the expression syntax (`.a.b[0]`, `.["k"]`, `.items[-1]`, bare
/// `name`) with the same lexer, so a path is spelled the same in `set:` keys as in expressions.
package enum FieldPathParser {
    package static func parse(_ source: String) throws(ExpressionError) -> [FieldPath.Segment] {
        var lexer = ExpressionLexer(source)
        var token = try lexer.next()
        var segments: [FieldPath.Segment] = []

        switch token.kind {
        case .field(let name):
            segments.append(.key(name))
            token = try lexer.next()
        case .identifier(let name) where !["true", "false", "null", "in"].contains(name):
            segments.append(.key(name))
            token = try lexer.next()
        case .dot:
            token = try lexer.next()
            guard case .symbol(.leftBracket) = token.kind, !token.spaceBefore else {
                if case .end = token.kind { throw .syntax("expected a field path like '.a.b'", column: 1) }
                throw unexpected(token)
            }
        default:
            throw .syntax("expected a field path like '.a.b'", column: token.column)
        }

        while true {
            if case .end = token.kind { break }
            guard !token.spaceBefore else { throw unexpected(token) }
            switch token.kind {
            case .field(let name):
                segments.append(.key(name))
                token = try lexer.next()
            case .symbol(.leftBracket):
                segments.append(try parseBracket(&lexer))
                token = try lexer.next()
            default:
                throw unexpected(token)
            }
        }
        return segments
    }

    /// The inside of `[...]` after the `[`: a string key or a whole-number index, then `]`.
    private static func parseBracket(_ lexer: inout ExpressionLexer) throws(ExpressionError) -> FieldPath.Segment {
        var token = try lexer.next()
        var negative = false
        if case .symbol(.minus) = token.kind {
            negative = true
            token = try lexer.next()
        }
        let segment: FieldPath.Segment
        switch token.kind {
        case .string(let key) where !negative:
            segment = .key(key)
        case .number(let number):
            guard let index = ExpressionOperators.integer(negative ? -number : number) else {
                throw .syntax("array index must be a whole number", column: token.column)
            }
            segment = .index(index)
        default:
            throw .syntax("expected a quoted key or an array index but found \(token.quoted)", column: token.column)
        }
        let closer = try lexer.next()
        guard case .symbol(.rightBracket) = closer.kind else {
            throw .syntax("expected ']' but found \(closer.quoted)", column: closer.column)
        }
        return segment
    }

    private static func unexpected(_ token: ExpressionToken) -> ExpressionError {
        .syntax("unexpected \(token.quoted)", column: token.column)
    }
}
