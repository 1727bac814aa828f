import OrderedCollections
import Testing

import StreamdCore
import StreamdHTTP

/// Parsing and compiling: precedence, the canonical tree form, error columns, and robustness
/// against arbitrary text.
@Suite struct ExpressionParserTests {
    // MARK: - Precedence and tree shape

    /// Each row: source, and the fully parenthesised tree it must parse to.
    static let shapes: [(String, String)] = [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("8 / 4 / 2", "((8 / 4) / 2)"),
        ("7 % 4 * 2", "((7 % 4) * 2)"),
        ("a ?? b ?? c", "(.a ?? (.b ?? .c))"),
        (".a ?? .b || .c", "(.a ?? (.b || .c))"),
        (".a || .b ?? .c", "((.a || .b) ?? .c)"),
        (".a || .b && .c", "(.a || (.b && .c))"),
        (".a && .b || .c", "((.a && .b) || .c)"),
        (".a && .b == .c", "(.a && (.b == .c))"),
        (".a == .b < .c", "(.a == (.b < .c))"),
        (".a != .b >= .c", "(.a != (.b >= .c))"),
        ("a == b != c", "((.a == .b) != .c)"),
        (".a < .b in .c", "(.a < (.b in .c))"),
        (".a in .b + .c", "(.a in (.b + .c))"),
        (".a + .b % .c", "(.a + (.b % .c))"),
        (".a - .b / .c", "(.a - (.b / .c))"),
        ("!.a && .b", "((!.a) && .b)"),
        ("!!.a", "(!(!.a))"),
        ("-.a * 2", "((-.a) * 2)"),
        ("-.a.b[0]", "(-.a.b[0])"),
        ("-2", "-2"),
        ("--2", "2"),
        ("1 + -2", "(1 + -2)"),
        (".a - -.b", "(.a - (-.b))"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        ("((.a))", ".a"),
        ("1 <= 2 > 3", "((1 <= 2) > 3)"),
        ("!.a in .b", "((!.a) in .b)"),
        (".x ?? 1 + 2 * 3 == 7 && true || false", "(.x ?? ((((1 + (2 * 3)) == 7) && true) || false))"),
        // Paths and postfix access.
        (".", "."),
        (".a.b", ".a.b"),
        (".items[0]", ".items[0]"),
        (".items[-1]", ".items[-1]"),
        (#".a["key with spaces"]"#, #".a["key with spaces"]"#),
        (#".["x y"].z"#, #".["x y"].z"#),
        (#".a["b"]"#, ".a.b"),
        (".[0]", ".[0]"),
        (".items[.i + 1]", ".items[(.i + 1)]"),
        ("(.a).b[0]", ".a.b[0]"),
        ("(.a + .b).c", "(.a + .b).c"),
        ("lower(.a).b", "lower(.a).b"),
        ("[1, 2][0]", "[1, 2][0]"),
        ("(1).a", "(1).a"),
        (".true.null.in", ".true.null.in"),
        // Bare identifiers are fields of the event; true/false/null are literals; name( is a call.
        ("count", ".count"),
        ("count >= 5", "(.count >= 5)"),
        ("x.y[1]", ".x.y[1]"),
        ("true", "true"),
        ("false", "false"),
        ("null", "null"),
        ("now()", "now()"),
        ("lower (.a)", "lower(.a)"),
        ("round(.a, 2)", "round(.a, 2)"),
        // Literals.
        ("1.5", "1.5"),
        ("2e3", "2000"),
        ("2.5E-1", "0.25"),
        ("007", "7"),
        ("'single'", #""single""#),
        (#""double""#, #""double""#),
        (#"'it\'s'"#, #""it's""#),
        (#""a\"b\\c\/d\n\t""#, #""a\"b\\c/d\n\t""#),
        (#""\u00e9\ud83d\ude00""#, #""é😀""#),
        ("[]", "[]"),
        ("[1, 'a', [true, null]]", #"[1, "a", [true, null]]"#),
        ("[.a, 1 + 2]", "[.a, (1 + 2)]"),
        // The SPEC's samples.
        ("exists(.source) && .value >= 0", "(exists(.source) && (.value >= 0))"),
        ("lower(.source)", "lower(.source)"),
        (#""metric""#, #""metric""#),
        ("avg_value > 75 && count >= 5", "((.avg_value > 75) && (.count >= 5))"),
        // Whitespace is free between tokens.
        ("\t1\n+\r2 ", "(1 + 2)"),
    ]

    @Test(arguments: shapes)
    func parsesToTree(source: String, tree: String) throws {
        #expect(try ExpressionParser.parse(source).description == tree)
    }

    @Test func printedTreesParseBack() throws {
        for (source, _) in Self.shapes {
            let printed = try ExpressionParser.parse(source).description
            #expect(try ExpressionParser.parse(printed).description == printed, "\(source)")
        }
    }

    @Test func everySampleCompiles() throws {
        for (source, _) in Self.shapes {
            #expect(throws: Never.self, "\(source)") { try Expression(source) }
        }
    }

    // MARK: - Syntax errors point at the column

    /// Each row: source, and the exact error text.
    static let syntaxErrors: [(String, String)] = [
        ("", "unexpected end of expression at column 1"),
        ("   ", "unexpected end of expression at column 4"),
        ("lower(.a))", "unexpected ')' at column 10"),
        ("exists(.source) && .value >= 0)", "unexpected ')' at column 31"),
        ("1 +", "unexpected end of expression at column 4"),
        ("1 2", "unexpected '2' at column 3"),
        ("(1 + 2", "expected ')' but found end of expression at column 7"),
        ("(1 + 2]", "expected ')' but found ']' at column 7"),
        (".a[0", "expected ']' but found end of expression at column 5"),
        ("[1 2]", "expected ']' but found '2' at column 4"),
        ("f(1,)", "unexpected ')' at column 5"),
        ("f(,1)", "unexpected ',' at column 3"),
        ("'abc", "unterminated string at column 1"),
        (#".a == "abc"#, "unterminated string at column 7"),
        (#""a\qb""#, #"invalid escape '\q' at column 3"#),
        (#""\u12""#, "invalid unicode escape at column 2"),
        (#""\ud83d""#, "invalid unicode escape at column 2"),
        (#""abc\"#, "unterminated string at column 1"),
        ("1 # 2", "unexpected character '#' at column 3"),
        ("a = 1", "unexpected character '=' at column 3"),
        (".a & .b", "unexpected character '&' at column 4"),
        ("1e", "invalid number '1e' at column 1"),
        ("2 * 1e+", "invalid number '1e+' at column 5"),
        ("1e999", "number '1e999' is out of range at column 1"),
        (".a .b", "unexpected '.b' at column 4"),
        (".a [0]", "unexpected '[' at column 4"),
        ("..a", "unexpected '.a' at column 2"),
        ("..", "unexpected '.' at column 2"),
        (". a", "unexpected 'a' at column 3"),
        ("in", "unexpected 'in' at column 1"),
        (".a in", "unexpected end of expression at column 6"),
        ("5.a", "unexpected '.a' at column 2"),
        ("'s'[0]", "unexpected '[' at column 4"),
        ("true.x", "unexpected '.x' at column 5"),
        ("* 2", "unexpected '*' at column 1"),
        (")", "unexpected ')' at column 1"),
        ("é + ü(", "unexpected end of expression at column 7"),
        ("🙂 == 1", "unexpected character '🙂' at column 1"),
        ("1 == 'averyveryverylongstringliteral' 2", "unexpected '2' at column 39"),
        ("1 'a string'", "unexpected string at column 3"),
        ("1 averyveryverylongidentifiername", "unexpected 'averyveryverylongiden...' at column 3"),
    ]

    @Test(arguments: syntaxErrors)
    func syntaxErrorText(source: String, message: String) {
        #expect {
            try ExpressionParser.parse(source)
        } throws: { error in
            (error as? ExpressionError)?.description == message && (error as? ExpressionError)?.kind == .syntax
        }
    }

    @Test func syntaxErrorValue() {
        #expect(throws: ExpressionError.syntax("unexpected ')'", column: 15)) {
            try Expression("lower(.source))")
        }
        let error = ExpressionError.syntax("unexpected ')'", column: 14)
        #expect(error.isCompileTime)
        #expect(error.message == "unexpected ')'")
        #expect(error.column == 14)
    }

    // MARK: - Compile errors

    static let compileErrors: [(String, String)] = [
        ("lowr(.a)", "unknown function 'lowr' at column 1"),
        (".x && lower(.a, .b)", "'lower' expects 1 argument, got 2 at column 7"),
        ("now(1)", "'now' expects no arguments, got 1 at column 1"),
        ("round()", "'round' expects 1 or 2 arguments, got 0 at column 1"),
        ("round(1, 2, 3)", "'round' expects 1 or 2 arguments, got 3 at column 1"),
        ("contains(.a)", "'contains' expects 2 arguments, got 1 at column 1"),
        ("starts_with('a')", "'starts_with' expects 2 arguments, got 1 at column 1"),
        ("exists()", "'exists' expects 1 argument, got 0 at column 1"),
        ("len(1, 2)", "'len' expects 1 argument, got 2 at column 1"),
        ("abs()", "'abs' expects 1 argument, got 0 at column 1"),
        ("upper()", "'upper' expects 1 argument, got 0 at column 1"),
        ("to_number()", "'to_number' expects 1 argument, got 0 at column 1"),
        ("to_string(1, 2)", "'to_string' expects 1 argument, got 2 at column 1"),
        // Found even where short-circuiting would never evaluate it.
        ("false && nope()", "unknown function 'nope' at column 10"),
        ("[1, count()]", "unknown function 'count' at column 5"),
        ("len(lower(upr(.a)))", "unknown function 'upr' at column 11"),
    ]

    @Test(arguments: compileErrors)
    func compileErrorText(source: String, message: String) {
        #expect {
            try Expression(source)
        } throws: { error in
            (error as? ExpressionError)?.description == message && (error as? ExpressionError)?.kind == .compile
        }
    }

    @Test func compileErrorsParseFine() throws {
        // The parser accepts any name; only the compiler knows the function table.
        #expect(try ExpressionParser.parse("lowr(.a)").description == "lowr(.a)")
        #expect(ExpressionFunctions.names.count == 11)
    }

    // MARK: - Limits and robustness

    @Test func nestingIsCapped() {
        let limit = ExpressionParser.maximumDepth
        let deepParens = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        let deepNots = String(repeating: "!", count: 5000) + "true"
        let longChain = "1" + String(repeating: " + 1", count: 5000)
        let longCoalesce = "1" + String(repeating: " ?? 1", count: 5000)
        let deepPath = "." + Array(repeating: "a", count: 5000).joined(separator: ".")
        let deepArrays = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let deepCalls = String(repeating: "abs(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        for source in [deepParens, deepNots, longChain, longCoalesce, deepPath, deepArrays, deepCalls] {
            #expect {
                try Expression(source)
            } throws: { error in
                (error as? ExpressionError)?.message == "expression nests deeper than \(limit) levels"
            }
        }
        // Comfortably long real expressions still work.
        let fifty = "1" + String(repeating: " + 1", count: 50)
        #expect(throws: Never.self) { try Expression(fifty) }
    }

    @Test func nestingJustUnderTheCapEvaluates() throws {
        // Deep closures must not exhaust a test thread's stack, even in a debug build.
        let depth = ExpressionParser.maximumDepth - 2
        let calls = String(repeating: "abs(", count: depth) + "-.a" + String(repeating: ")", count: depth)
        let nots = String(repeating: "!(", count: depth / 2) + ".t" + String(repeating: ")", count: depth / 2)
        let chain = ".a" + String(repeating: " + .a", count: depth)
        let event: Event = ["a": 1, "t": true]
        let context = EvaluationContext(now: { 0 })
        #expect(try Expression(calls).evaluate(event, context: context) == 1)
        #expect(try Expression(nots).evaluate(event, context: context) == .bool(depth / 2 % 2 == 0))
        #expect(try Expression(chain).evaluate(event, context: context) == .number(Double(depth + 1)))
    }

    @Test func compilesAParsedSubtree() throws {
        // How a window stage would read `avg(.value)`: parse, take the argument, compile it.
        guard case .call("avg", let arguments, _) = try ExpressionParser.parse("avg(.value * 2)") else {
            Issue.record("expected a call")
            return
        }
        let argument = try Expression(arguments[0], source: "avg(.value * 2)")
        #expect(try argument.evaluate(["value": 4], context: EvaluationContext(now: { 0 })) == 8)
        #expect(argument.description == "avg(.value * 2)")
        #expect(try Expression(".a") == Expression(".a"))
        #expect(try Expression(".a") != Expression(".b"))
    }

    /// Random text, biased towards the language's own characters: the parser must only ever
    /// return or throw, and whatever compiles must evaluate without trapping.
    @Test func randomTextNeverCrashes() {
        var random = ExpressionFuzzRandom(seed: 0x5EED)
        let pieces = [
            "(", ")", "[", "]", ".", ",", "!", "?", "??", "|", "||", "&", "&&", "=", "==", "!=", "<", "<=", ">",
            ">=", "+", "-", "*", "/", "%", " ", " ", "'", "\"", "\\", "\\u", "\\ud83d", "0", "1", "9", "1.5",
            "e", "e+", "1e309", "-0", "a", "b", "in", "true", "false", "null", ".a", ".items", "[0]", "[-1]",
            "len(", "lower(", "exists(", "round(", "to_number(", "to_string(", "contains(", "now(", "abs(",
            "é", "🙂", "\u{0}", "\n", "#", "count",
        ]
        let event: Event = ["a": 1, "b": "x", "items": [1, "two", [3]], "o": ["k": nil]]
        let context = EvaluationContext(now: { 1 })
        var parsed = 0
        for iteration in 0..<20_000 {
            let length = Int(random.next() % 14)
            var source = ""
            for _ in 0..<length {
                if iteration % 5 == 0 {
                    // Arbitrary scalars, not just tokens.
                    source.unicodeScalars.append(Unicode.Scalar(UInt8(truncatingIfNeeded: random.next())))
                } else {
                    source += pieces[Int(random.next() % UInt64(pieces.count))]
                }
            }
            guard let expression = try? Expression(source) else { continue }
            parsed += 1
            _ = try? expression.evaluate(event, context: context)
            _ = try? expression.isTrue(event, context: context)
        }
        #expect(parsed > 100, "the generator should produce some valid expressions")
    }

    /// Random well-formed trees: printing and re-parsing gives the same tree, and evaluation
    /// returns or throws a runtime error, never anything else.
    @Test func randomTreesRoundTripAndEvaluate() throws {
        var random = ExpressionFuzzRandom(seed: 42)
        let event: Event = ["a": 1, "b": "x", "items": [1, "two", [3]], "o": ["k": nil], "t": true]
        let context = EvaluationContext(now: { 1 })
        for _ in 0..<3_000 {
            let source = Self.randomExpression(depth: 4, random: &random)
            let tree = try ExpressionParser.parse(source)
            #expect(try ExpressionParser.parse(tree.description).description == tree.description, "\(source)")
            let expression: Expression
            do { expression = try Expression(source) } catch { continue }  // wrong arity is fine
            do { _ = try expression.evaluate(event, context: context) } catch { #expect(error.kind == .runtime) }
        }
    }

    static func randomExpression(depth: Int, random: inout ExpressionFuzzRandom) -> String {
        let leaves = [
            "1", "0", "-2.5", "'x'", "\"b\"", "true", "false", "null", ".a", ".b", ".items", ".items[1]", ".o.k",
            ".", "a", ".missing", "[]", "[1, 'x']", "now()",
        ]
        if depth == 0 || random.next() % 3 == 0 { return leaves[Int(random.next() % UInt64(leaves.count))] }
        let sub = { (random: inout ExpressionFuzzRandom) in randomExpression(depth: depth - 1, random: &random) }
        switch random.next() % 6 {
        case 0:
            let ops = ["??", "||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"]
            return "\(sub(&random)) \(ops[Int(random.next() % UInt64(ops.count))]) \(sub(&random))"
        case 1: return (random.next() % 2 == 0 ? "!" : "-") + "(\(sub(&random)))"
        case 2: return "(\(sub(&random)))"
        case 3: return "(\(sub(&random)))[\(sub(&random))]"
        case 4: return "[\(sub(&random)), \(sub(&random))]"
        default:
            let functions = ["exists", "len", "lower", "upper", "to_number", "to_string", "abs", "round"]
            let pairs = ["contains", "starts_with", "round"]
            if random.next() % 2 == 0 {
                return "\(functions[Int(random.next() % UInt64(functions.count))])(\(sub(&random)))"
            }
            return "\(pairs[Int(random.next() % UInt64(pairs.count))])(\(sub(&random)), \(sub(&random)))"
        }
    }
}

/// A small deterministic generator, so a failing random case fails the same way every run.
struct ExpressionFuzzRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
