import OrderedCollections
import Synchronization
import Testing

import StreamdCore
import StreamdHTTP

/// Evaluation: every operator and function, missing fields, type errors with their messages,
/// short-circuiting, and the SPEC's sample expressions.
@Suite struct ExpressionEvaluationTests {
    static let sample: Event = [
        "source": "Server1", "value": 42, "ratio": 0.5, "name": "web-01", "tags": ["a", "b"], "flag": true,
        "nothing": nil, "nested": ["a": ["b": 7]], "items": [10, 20, 30], "key with spaces": "spaced",
        "i": 1, "k": "a", "count": 7, "o1": ["x": 1, "y": 2], "o2": ["y": 2, "x": 1],
        "list": [["name": "first"], ["name": "second"]],
    ]
    static let context = EvaluationContext(now: { 1000.5 })

    static func evaluate(_ source: String, _ event: Event = sample) throws -> JSONValue {
        try Expression(source).evaluate(event, context: context)
    }

    /// Each row: source, and the value it must give on `sample`.
    static let values: [(String, JSONValue)] = [
        // Paths.
        (".source", "Server1"),
        (".nested.a.b", 7),
        (".nested.a", ["b": 7]),
        (".items[0]", 10),
        (".items[2]", 30),
        (".items[-1]", 30),
        (".items[-3]", 10),
        (".items[3]", nil),
        (".items[-4]", nil),
        (".items[1.5]", nil),
        (#".["key with spaces"]"#, "spaced"),
        (#".nested["a"].b"#, 7),
        (".list[1].name", "second"),
        (".items[.i]", 20),
        (".items[.i + 1]", 30),
        (".nested[.k].b", 7),
        (".items[.missing]", nil),
        ("(.nested).a.b", 7),
        ("[5, 6][1]", 6),
        ("[[1, 2]][0][1]", 2),
        // Missing fields and non-containers read as null.
        (".missing", nil),
        (".missing.deeper[0]", nil),
        (".nothing", nil),
        (".source.x", nil),
        (".source[0]", nil),
        (".items.x", nil),
        (".nested[0]", nil),
        // Bare identifiers are top-level fields.
        ("count", 7),
        ("value", 42),
        ("count >= 5", true),
        ("nested.a.b", 7),
        ("missing", nil),
        // Literals.
        ("1.5", 1.5),
        ("'single'", "single"),
        (#""double""#, "double"),
        (#""a\n\t\"\\""#, "a\n\t\"\\"),
        (#""\u00e9""#, "é"),
        (#""\ud83d\ude00""#, "😀"),
        ("true", true),
        ("false", false),
        ("null", nil),
        ("[1, 'a', null, [true]]", [1, "a", nil, [true]]),
        ("[.value, .i + 1]", [42, 2]),
        ("[]", []),
        // Arithmetic.
        ("1 + 2", 3),
        ("5 - 7", -2),
        ("2 * 3.5", 7),
        ("7 / 2", 3.5),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("7.5 % 2", 1.5),
        (".value * .ratio", 21),
        ("-.value", -42),
        ("--3", 3),
        ("-(-.value)", 42),
        ("'a' + 'b'", "ab"),
        (".source + '/' + .name", "Server1/web-01"),
        ("2 + 3 * 4 - 10 / 5", 12),
        ("(2 + 3) * 4", 20),
        // Comparison.
        ("1 < 2", true),
        ("2 < 1", false),
        ("2 <= 2", true),
        ("3 > 2", true),
        ("2 >= 3", false),
        (".value >= 42", true),
        (".value > 42", false),
        (".value < 42.5", true),
        (".value <= 41", false),
        ("5 < .value", true),
        ("'a' < 'b'", true),
        ("'abc' < 'abd'", true),
        ("'B' < 'a'", true),
        ("'b' >= 'b'", true),
        ("'ab' > 'abc'", false),
        // Equality is deep and never a type error.
        ("1 == 1.0", true),
        ("'a' == 'a'", true),
        ("1 == '1'", false),
        ("null == null", true),
        (".missing == null", true),
        (".nothing == null", true),
        ("true == 1", false),
        ("[1, [2]] == [1, [2]]", true),
        ("[1, 2] == [2, 1]", false),
        (".nested == .nested", true),
        (".o1 == .o2", true),
        (".o1 == .nested", false),
        ("1 != 2", true),
        ("[1] != [1]", false),
        (".tags == ['a', 'b']", true),
        // Logic.
        ("true && true", true),
        ("true && false", false),
        ("false || true", true),
        ("false || false", false),
        ("!true", false),
        ("!(1 > 2)", true),
        ("!!.flag", true),
        // Default.
        (".missing ?? 5", 5),
        (".nothing ?? 'd'", "d"),
        (".value ?? 5", 42),
        ("false ?? 1", false),
        ("0 ?? 1", 0),
        (".a ?? .b ?? 3", 3),
        (".missing.x ?? .items[9] ?? .source", "Server1"),
        ("(.missing ?? 2) * 3", 6),
        // Membership.
        ("'a' in .tags", true),
        ("'z' in .tags", false),
        ("2 in [1, 2]", true),
        ("[2] in [[2]]", true),
        ("null in [1, null]", true),
        ("'erv' in .source", true),
        ("'xyz' in .source", false),
        ("'' in 'x'", true),
        ("'source' in .", true),
        ("'nothing' in .", true),
        ("'nope' in .", false),
        ("'b' in .nested.a", true),
        // Functions.
        ("exists(.source)", true),
        ("exists(.missing)", false),
        ("exists(.nothing)", false),
        ("exists(.flag)", true),
        ("exists(false)", true),
        ("exists(.items[5])", false),
        ("len('abc')", 3),
        ("len('héllo')", 5),
        ("len('')", 0),
        ("len(.tags)", 2),
        ("len(.nested)", 1),
        ("len(.)", 16),
        ("lower(.source)", "server1"),
        ("upper('abc')", "ABC"),
        ("contains('hello', 'ell')", true),
        ("contains('hello', 'xyz')", false),
        ("contains(.tags, 'b')", true),
        ("contains(.tags, 'z')", false),
        ("contains([1, [2]], [2])", true),
        ("starts_with(.name, 'web')", true),
        ("starts_with(.name, 'db')", false),
        ("starts_with('', '')", true),
        ("to_number('42')", 42),
        ("to_number(' 3.5 ')", 3.5),
        ("to_number('-1e3')", -1000),
        ("to_number(true)", 1),
        ("to_number(false)", 0),
        ("to_number(7)", 7),
        ("to_string('s')", "s"),
        ("to_string(42)", "42"),
        ("to_string(1.5)", "1.5"),
        ("to_string(-0.25)", "-0.25"),
        ("to_string(true)", "true"),
        ("to_string(null)", "null"),
        ("to_string(.tags)", #"["a","b"]"#),
        ("to_string(.nested)", #"{"a":{"b":7}}"#),
        ("to_string('a\"b')", "a\"b"),
        (#"to_string(["a\"b\n"])"#, #"["a\"b\n"]"#),
        ("now()", 1000.5),
        ("now() - 0.5", 1000),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(2.4)", 2),
        ("round(3.14159, 2)", 3.14),
        ("round(3.14159, 0)", 3),
        ("round(1234.5, -2)", 1200),
        ("round(1.25, 400)", 1.25),
        ("round(1234, -400)", 0),
        ("round(2.5, 0.9)", 3),
        ("round(1e300, 15)", 1e300),
        ("abs(-3)", 3),
        ("abs(3)", 3),
        ("abs(-.ratio)", 0.5),
        // Nesting of everything.
        ("len(lower(.source) + upper(.name))", 13),
        ("to_string(round(.value / 8, 1))", "5.3"),
    ]

    @Test(arguments: values)
    func value(source: String, expected: JSONValue) throws {
        #expect(try Self.evaluate(source) == expected)
    }

    @Test func wholeEvent() throws {
        #expect(try Self.evaluate(".") == .object(Self.sample))
        #expect(try Self.evaluate(".", [:]) == .object([:]))
    }

    // MARK: - Runtime errors

    /// Each row: source, and the runtime error message it must throw on `sample`.
    static let runtimeErrors: [(String, String)] = [
        // Comparisons.
        (".value < .source", "cannot compare number with string"),
        ("1 < 'a'", "cannot compare number with string"),
        ("'a' < 1", "cannot compare string with number"),
        ("'a' >= .value", "cannot compare string with number"),
        ("null < 1", "cannot compare null with number"),
        (".missing > 5", "cannot compare null with number"),
        (".source <= 5", "cannot compare string with number"),
        (".tags >= 1", "cannot compare array with number"),
        ("true > false", "cannot compare boolean with boolean"),
        ("[1] < [2]", "cannot compare array with array"),
        // Arithmetic.
        ("1 + 'a'", "'+' expects two numbers or two strings, got number and string"),
        (".source + .value", "'+' expects two numbers or two strings, got string and number"),
        ("'a' - 'b'", "'-' expects numbers, got string and string"),
        ("[1] * 2", "'*' expects numbers, got array and number"),
        (".missing / 2", "'/' expects numbers, got null and number"),
        ("true % 2", "'%' expects numbers, got boolean and number"),
        ("1 / 0", "division by zero"),
        ("1 % 0", "division by zero"),
        (".value / (.value - 42)", "division by zero"),
        (".value % (.i - 1)", "division by zero"),
        ("1e308 * 10", "'*' result is out of range"),
        ("-1e308 - 1e308", "'-' result is out of range"),
        ("-'a'", "'-' expects a number, got string"),
        ("-.missing", "'-' expects a number, got null"),
        // Logic.
        ("!1", "'!' expects a boolean, got number"),
        ("!.missing", "'!' expects a boolean, got null"),
        ("1 && true", "'&&' expects booleans, got number"),
        ("true && 1", "'&&' expects booleans, got number"),
        ("false || 'x'", "'||' expects booleans, got string"),
        ("null || true", "'||' expects booleans, got null"),
        (".missing && true", "'&&' expects booleans, got null"),
        // Membership and indexing.
        ("1 in 'abc'", "'in' expects a string on the left of a string, got number"),
        ("1 in .", "'in' expects a string key on the left of an object, got number"),
        ("'a' in 5", "'in' expects an array, string or object on the right, got number"),
        ("'a' in .missing", "'in' expects an array, string or object on the right, got null"),
        (".items[true]", "cannot index with boolean"),
        (".items[[0]]", "cannot index with array"),
        // Functions.
        ("len(5)", "'len' expects a string, array or object, got number"),
        ("len(.missing)", "'len' expects a string, array or object, got null"),
        ("lower(1)", "'lower' expects a string, got number"),
        ("lower(.value)", "'lower' expects a string, got number"),
        ("upper(null)", "'upper' expects a string, got null"),
        ("contains(5, 1)", "'contains' expects a string or array, got number"),
        ("contains('abc', 1)", "'contains' expects a string to look for in a string, got number"),
        ("starts_with(1, 'a')", "'starts_with' expects a string, got number"),
        ("starts_with('a', .tags)", "'starts_with' expects a string, got array"),
        ("to_number('abc')", #"'to_number' cannot convert "abc" to a number"#),
        ("to_number('nan')", #"'to_number' cannot convert "nan" to a number"#),
        ("to_number('inf')", #"'to_number' cannot convert "inf" to a number"#),
        ("to_number('0x10')", #"'to_number' cannot convert "0x10" to a number"#),
        ("to_number('1e999')", #"'to_number' cannot convert "1e999" to a number"#),
        ("to_number('1-2')", #"'to_number' cannot convert "1-2" to a number"#),
        ("to_number('')", #"'to_number' cannot convert "" to a number"#),
        ("to_number('  ')", #"'to_number' cannot convert "  " to a number"#),
        ("to_number(null)", "'to_number' expects a number, string or boolean, got null"),
        ("to_number([1])", "'to_number' expects a number, string or boolean, got array"),
        ("round('a')", "'round' expects a number, got string"),
        ("round(1, 'x')", "'round' expects a number, got string"),
        ("abs('x')", "'abs' expects a number, got string"),
    ]

    @Test(arguments: runtimeErrors)
    func runtimeError(source: String, message: String) throws {
        let expression = try Expression(source)  // compiles fine: the error is per event
        #expect(throws: ExpressionError.runtime(message)) {
            try expression.evaluate(Self.sample, context: Self.context)
        }
    }

    @Test func runtimeErrorShape() {
        let error = ExpressionError.runtime("division by zero")
        #expect(error.kind == .runtime)
        #expect(error.column == nil)
        #expect(!error.isCompileTime)
        #expect(error.description == "division by zero")
        #expect(
            ExpressionError.compile("unknown function 'x'", column: 3).description == "unknown function 'x' at column 3"
        )
    }

    // MARK: - Short-circuiting

    @Test(arguments: [
        ("false && (1 < 'a')", JSONValue.bool(false)),
        ("true || (1 < 'a')", true),
        ("false && (1 / 0 == 1)", false),
        ("true || lower(5) == 'x'", true),
        ("5 ?? (1 < 'a')", 5),
        (".value ?? -'x'", 42),
        ("!exists(.missing) || .missing > 0", true),
        ("exists(.missing) && .missing > 0", false),
    ])
    func rightSideIsNotEvaluated(source: String, expected: JSONValue) throws {
        #expect(try Self.evaluate(source) == expected)
    }

    @Test func rightSideRunsOnlyWhenNeeded() throws {
        let calls = CallCounter()
        let counting = EvaluationContext(now: { calls.tick() })
        for source in ["false && now() > 0", "true || now() > 0", "1 ?? now()"] {
            _ = try Expression(source).evaluate(Self.sample, context: counting)
        }
        #expect(calls.count == 0)
        for source in ["true && now() > 0", "false || now() > 0", "null ?? now()"] {
            _ = try Expression(source).evaluate(Self.sample, context: counting)
        }
        #expect(calls.count == 3)
    }

    @Test func rightSideErrorsWhenReached() {
        #expect(throws: ExpressionError.runtime("cannot compare number with string")) {
            try Self.evaluate("true && (1 < 'a')")
        }
        #expect(throws: ExpressionError.runtime("cannot compare number with string")) {
            try Self.evaluate(".missing ?? (1 < 'a')")
        }
    }

    // MARK: - Clock and constants

    @Test func nowReadsTheContextEachTime() throws {
        let calls = CallCounter()
        let ticking = EvaluationContext(now: { calls.tick() })
        let expression = try Expression("now() * 2")
        #expect(try expression.evaluate([:], context: ticking) == 2)
        #expect(try expression.evaluate([:], context: ticking) == 4)
    }

    @Test func systemClockIsEpochSeconds() throws {
        let now = try Expression("now()").evaluate([:])
        #expect((now.numberValue ?? 0) > 1_600_000_000)
    }

    @Test func constantsAreComputedOnceAndCorrectly() throws {
        // Whatever folding does, results equal the unfolded ones.
        #expect(try Self.evaluate("'a' + 'b' + 'c'") == "abc")
        #expect(try Self.evaluate("len([1, 2, 3]) * 2") == 6)
        #expect(try Self.evaluate("upper('x') in ['X']") == true)
        #expect(try Self.evaluate("-(2 + 3)") == -5)
    }

    // MARK: - Filters

    @Test func isTrueRequiresABoolean() throws {
        #expect(try Expression(".flag").isTrue(Self.sample, context: Self.context))
        #expect(try !Expression("!.flag").isTrue(Self.sample, context: Self.context))
        #expect(throws: ExpressionError.runtime("filter must be a boolean, got number")) {
            try Expression(".value").isTrue(Self.sample, context: Self.context)
        }
        #expect(throws: ExpressionError.runtime("filter must be a boolean, got null")) {
            try Expression(".missing").isTrue(Self.sample, context: Self.context)
        }
        #expect(throws: ExpressionError.runtime("filter must be a boolean, got string")) {
            try Expression("'true'").isTrue(Self.sample, context: Self.context)
        }
    }

    // MARK: - The SPEC's samples

    @Test func specFilter() throws {
        let filter = try Expression("exists(.source) && .value >= 0")
        #expect(filter.source == "exists(.source) && .value >= 0")
        #expect(try filter.isTrue(["source": "s1", "value": 3], context: Self.context))
        #expect(try filter.isTrue(["source": "s1", "value": 0], context: Self.context))
        #expect(try !filter.isTrue(["source": "s1", "value": -1], context: Self.context))
        #expect(try !filter.isTrue(["value": 3], context: Self.context))
        #expect(try !filter.isTrue(["source": nil, "value": 3], context: Self.context))
        #expect(throws: ExpressionError.runtime("cannot compare string with number")) {
            try filter.isTrue(["source": "s1", "value": "3"], context: Self.context)
        }
        #expect(throws: ExpressionError.runtime("cannot compare null with number")) {
            try filter.isTrue(["source": "s1"], context: Self.context)
        }
    }

    @Test func specSet() throws {
        let event: Event = ["source": "Server1", "value": 5]
        #expect(try Expression("lower(.source)").evaluate(event, context: Self.context) == "server1")
        #expect(try Expression(#""metric""#).evaluate(event, context: Self.context) == "metric")
    }

    @Test func specAlertCondition() throws {
        let condition = try Expression("avg_value > 75 && count >= 5")
        func result(count: Int, average: Double) -> Event {
            [
                "key": ["source": "server1"], "window_start": 1_634_567_890.0, "window_end": 1_634_567_892.0,
                "count": .number(Double(count)), "avg_value": .number(average), "max_value": 97.0,
                "p99_value": 96.5, "final": true,
            ]
        }
        #expect(try !condition.isTrue(result(count: 7, average: 42.1), context: Self.context))
        #expect(try condition.isTrue(result(count: 7, average: 80), context: Self.context))
        #expect(try !condition.isTrue(result(count: 3, average: 80), context: Self.context))
        #expect(try condition.isTrue(result(count: 5, average: 75.01), context: Self.context))
        let dotted = try Expression(".avg_value > 75 && .count >= 5")
        #expect(try dotted.isTrue(result(count: 7, average: 80), context: Self.context))
        #expect(try Expression("key.source == 'server1'").isTrue(result(count: 1, average: 1), context: Self.context))
    }

    @Test func expressionsAreSendable() async throws {
        let filter = try Expression(".value > 10")
        let results = await withTaskGroup(of: Bool.self) { group in
            for value in 0..<20 {
                group.addTask {
                    (try? filter.isTrue(["value": .number(Double(value))], context: Self.context)) ?? false
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(results == 9)
    }
}

/// Counts clock reads, to prove which branches ran.
private final class CallCounter: Sendable {
    private let calls = Atomic<Int>(0)
    var count: Int { calls.load(ordering: .relaxed) }
    func tick() -> Double {
        Double(calls.add(1, ordering: .relaxed).newValue)
    }
}
