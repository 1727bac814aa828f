import OrderedCollections
import Testing

import StreamdCore
import StreamdHTTP

/// `FieldPath`: parsing, reading like the expression language, and the write rules of the
/// `set`/`remove`/`rename` stages.
@Suite struct FieldPathTests {
    static let sample: Event = [
        "source": "s1", "nested": ["a": ["b": 7]], "items": [10, 20, 30], "nothing": nil,
        "list": [["name": "first"]], "key with spaces": 1,
    ]

    // MARK: - Parsing

    @Test(arguments: [
        (".a", [FieldPath.Segment.key("a")]),
        ("host", [.key("host")]),
        ("host.sub", [.key("host"), .key("sub")]),
        (".a.b", [.key("a"), .key("b")]),
        (".items[0]", [.key("items"), .index(0)]),
        (".items[-1]", [.key("items"), .index(-1)]),
        (#".["key with spaces"]"#, [.key("key with spaces")]),
        (#".a["b c"][2].d"#, [.key("a"), .key("b c"), .index(2), .key("d")]),
        (".[0]", [.index(0)]),
        (".true.in", [.key("true"), .key("in")]),
        ("  .a  ", [.key("a")]),
    ])
    func parses(source: String, segments: [FieldPath.Segment]) throws {
        #expect(try FieldPath(source).segments == segments)
    }

    @Test(arguments: [
        (".a.b", ".a.b"),
        ("host", ".host"),
        (#".a["b c"][2]"#, #".a["b c"][2]"#),
        (#".["x y"]"#, #".["x y"]"#),
        (#".a["b"]"#, ".a.b"),
        (".items[-1]", ".items[-1]"),
    ])
    func canonicalSpelling(source: String, canonical: String) throws {
        let path = try FieldPath(source)
        #expect(path.description == canonical)
        #expect(try FieldPath(canonical) == path)
    }

    @Test(arguments: [
        ("", "expected a field path like '.a.b' at column 1"),
        (".", "expected a field path like '.a.b' at column 1"),
        ("true", "expected a field path like '.a.b' at column 1"),
        ("42", "expected a field path like '.a.b' at column 1"),
        ("  + .a", "expected a field path like '.a.b' at column 3"),
        (". a", "unexpected 'a' at column 3"),
        (".a..b", "unexpected '.' at column 3"),
        (".a .b", "unexpected '.b' at column 4"),
        (".a[1.5]", "array index must be a whole number at column 4"),
        (".a[x]", "expected a quoted key or an array index but found 'x' at column 4"),
        (".a[-'x']", "expected a quoted key or an array index but found string at column 5"),
        (".a[0", "expected ']' but found end of expression at column 5"),
        (".[", "expected a quoted key or an array index but found end of expression at column 3"),
        (".a + 1", "unexpected '+' at column 4"),
        ("lower(.a)", "unexpected '(' at column 6"),
        (".a['x", "unterminated string at column 4"),
        (".a#", "unexpected character '#' at column 3"),
    ])
    func parseErrors(source: String, message: String) {
        #expect {
            try FieldPath(source)
        } throws: { error in
            (error as? ExpressionError)?.description == message && (error as? ExpressionError)?.kind == .syntax
        }
    }

    @Test func emptySegmentsAreNotAPath() {
        #expect(FieldPath(segments: []) == nil)
        #expect(FieldPath(segments: [.key("a")])?.description == ".a")
    }

    // MARK: - Reading

    @Test(arguments: [
        (".source", JSONValue.string("s1")),
        (".nested.a.b", 7),
        (".items[1]", 20),
        (".items[-1]", 30),
        (".items[3]", nil),
        (".list[0].name", "first"),
        (#".["key with spaces"]"#, 1),
        (".missing", nil),
        (".missing.x[0]", nil),
        (".source.x", nil),
        (".nested[0]", nil),
        (".items.x", nil),
        (".[0]", nil),
    ])
    func reads(source: String, expected: JSONValue) throws {
        #expect(try FieldPath(source).get(in: Self.sample) == expected)
        // The compiled expression reads the same way.
        #expect(try Expression(source).evaluate(Self.sample, context: EvaluationContext(now: { 0 })) == expected)
    }

    // MARK: - Setting

    @Test func setsTopLevelFields() throws {
        var event: Event = ["a": 1, "b": 2]
        try FieldPath(".a").set("x", in: &event)
        try FieldPath("c").set(true, in: &event)
        #expect(event == ["a": "x", "b": 2, "c": true])
        #expect(Array(event.keys) == ["a", "b", "c"], "an overwritten key keeps its place; a new key goes last")
    }

    @Test func createsIntermediateObjects() throws {
        var event: Event = ["a": 1]
        try FieldPath(".b.c.d").set(5, in: &event)
        #expect(event == ["a": 1, "b": ["c": ["d": 5]]])
        try FieldPath(".b.c.e").set(6, in: &event)
        #expect(event["b"] == ["c": ["d": 5, "e": 6]])
    }

    @Test func replacesNullWithAnObject() throws {
        var event: Event = ["n": nil]
        try FieldPath(".n.x").set(1, in: &event)
        #expect(event == ["n": ["x": 1]])
    }

    @Test func setsThroughArrays() throws {
        var event = Self.sample
        try FieldPath(".items[1]").set(99, in: &event)
        try FieldPath(".items[-1]").set(77, in: &event)
        try FieldPath(".list[0].name").set("renamed", in: &event)
        try FieldPath(".list[0].extra.deep").set(1, in: &event)
        #expect(event["items"] == [10, 99, 77])
        #expect(event["list"] == [["name": "renamed", "extra": ["deep": 1]]])
    }

    @Test func replacesAScalarAtTheEnd() throws {
        var event = Self.sample
        try FieldPath(".nested.a").set("flat", in: &event)
        #expect(event["nested"] == ["a": "flat"])
    }

    @Test(arguments: [
        (".items[3]", "cannot set .items[3]: index 3 is out of range for .items of 3 elements"),
        (".items[-4]", "cannot set .items[-4]: index -4 is out of range for .items of 3 elements"),
        (".source.x", "cannot set .source.x: .source is a string, not an object"),
        (".items.x", "cannot set .items.x: .items is an array, not an object"),
        (".nested[0]", "cannot set .nested[0]: .nested is an object, not an array"),
        (".nested.a.b.c", "cannot set .nested.a.b.c: .nested.a.b is a number, not an object"),
        (".missing[0]", "cannot set .missing[0]: .missing is missing and only objects are created"),
        (
            ".missing.deeper[0].x",
            "cannot set .missing.deeper[0].x: .missing.deeper is missing and only objects are created"
        ),
        (".nothing[0]", "cannot set .nothing[0]: .nothing is missing and only objects are created"),
        (".[0]", "cannot set .[0]: the event is an object, not an array"),
        (".list[0].name[1]", "cannot set .list[0].name[1]: .list[0].name is a string, not an array"),
    ])
    func setErrorsLeaveTheEventUnchanged(source: String, message: String) throws {
        var event = Self.sample
        let path = try FieldPath(source)
        #expect(throws: ExpressionError.runtime(message)) { try path.set(1, in: &event) }
        #expect(event == Self.sample)
    }

    // MARK: - Removing

    @Test func removesFields() throws {
        var event = Self.sample
        #expect(try FieldPath(".source").remove(from: &event) == "s1")
        #expect(try FieldPath(".nested.a.b").remove(from: &event) == 7)
        #expect(try FieldPath(".items[0]").remove(from: &event) == 10)
        #expect(try FieldPath(".list[0].name").remove(from: &event) == "first")
        #expect(try FieldPath(".nothing").remove(from: &event) == .null, "an explicit null is a value")
        #expect(event == ["nested": ["a": [:]], "items": [20, 30], "list": [[:]], "key with spaces": 1])
        #expect(Array(event.keys) == ["nested", "items", "list", "key with spaces"])
    }

    @Test(arguments: [
        ".missing", ".missing.x", ".source.x", ".items[5]", ".items.x", ".nested[0]", ".[0]", ".nested.a.c",
    ])
    func removingWhatIsNotThereIsANoOp(source: String) throws {
        var event = Self.sample
        #expect(try FieldPath(source).remove(from: &event) == nil)
        #expect(event == Self.sample)
    }

    @Test func renameIsRemoveThenSet() throws {
        var event: Event = ["old": ["v": 1], "keep": true]
        if let value = try FieldPath(".old").remove(from: &event) {
            try FieldPath(".new.place").set(value, in: &event)
        }
        #expect(event == ["keep": true, "new": ["place": ["v": 1]]])
    }

    @Test func writesDoNotDisturbCopies() throws {
        let original = Self.sample
        var copy = original
        try FieldPath(".nested.a.b").set(8, in: &copy)
        FieldPath(segments: [.key("items"), .index(0)])?.remove(from: &copy)
        #expect(original == Self.sample)
        #expect(copy["nested"] == ["a": ["b": 8]])
        #expect(copy["items"] == [20, 30])
    }
}
