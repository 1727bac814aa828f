import OrderedCollections
import Testing

import StreamdCore
import StreamdHTTP

/// The strict JSON parser: every value kind, escapes and Unicode, numbers (checked against the
/// standard library's correctly rounded conversion), error messages and positions, the depth
/// limit, duplicate keys, and random or mutated input that must never crash it.
@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONParser.parse(text) }

    private func parseError(_ text: String) -> JSONParseError? {
        do {
            let value = try JSONParser.parse(text)
            Issue.record("expected an error for \(text.debugDescription), got \(value)")
            return nil
        } catch {
            return error
        }
    }

    private func parseError(bytes: [UInt8]) -> JSONParseError? {
        do {
            let value = try JSONParser.parse(bytes)
            Issue.record("expected an error for \(bytes), got \(value)")
            return nil
        } catch {
            return error
        }
    }

    // MARK: Value kinds

    @Test func literals() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse(" \t\r\n true \n") == .bool(true), "whitespace around the value")
    }

    @Test func containers() throws {
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([:]))
        #expect(try parse("[ ]") == .array([]))
        #expect(try parse("{ \n }") == .object([:]))
        #expect(try parse(#"[1, "a", null, true, [false], {"k": {}}]"#) == [1, "a", nil, true, [false], ["k": [:]]])
        let nested = try parse(#"{"a": {"b": {"c": [1, [2, [3]]]}}}"#)
        #expect(nested == ["a": ["b": ["c": [1, [2, [3]]]]]])
    }

    @Test func keyOrderIsPreserved() throws {
        let value = try parse(#"{"zeta": 1, "alpha": 2, "mid": 3, "beta": 4}"#)
        #expect(value.objectValue?.keys.elementsEqual(["zeta", "alpha", "mid", "beta"]) == true)
    }

    @Test func duplicateKeysLastValueWinsFirstPositionStays() throws {
        let value = try parse(#"{"a": 1, "b": 2, "a": 3}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys.elementsEqual(["a", "b"]))
        #expect(object["a"] == 3)

        // Non-ASCII and escaped keys take the checked path.
        let accented = try #require(try parse(#"{"é": 1, "x": 2, "\u00e9": 3}"#).objectValue)
        #expect(accented.keys.elementsEqual(["é", "x"]) && accented["é"] == 3)

        // Long keys (no cache) and objects over the fast path's 32-key limit.
        let long = try #require(try parse(#"{"a-rather-long-key-name": 1, "a-rather-long-key-name": 2}"#).objectValue)
        #expect(long.count == 1 && long["a-rather-long-key-name"] == 2)
        let members = (0 ..< 40).map { #""k\#($0)": \#($0)"# } + [#""k3": "last""#]
        let big = try #require(try parse("{" + members.joined(separator: ",") + "}").objectValue)
        #expect(big.count == 40)
        #expect(big["k3"] == "last")
        #expect(big.keys.first == "k0" && big.keys.last == "k39")
    }

    @Test func manyDistinctKeysAllSurvive() throws {
        // Enough keys to fill the Bloom filter and force real comparisons, none of them equal.
        let keys = (0 ..< 32).map { "key\($0)" }
        let text = "{" + keys.enumerated().map { #""\#($1)": \#($0)"# }.joined(separator: ",") + "}"
        let object = try #require(try parse(text).objectValue)
        #expect(object.keys.elementsEqual(keys))
        #expect(object.values.elementsEqual((0 ..< 32).map { JSONValue.number(Double($0)) }))
    }

    @Test func canonicallyEquivalentKeysAreOneKey() throws {
        // Swift's String equality is Unicode canonical equivalence: "é" and "e" + U+0301 are one key.
        let object = try #require(try parse(#"{"\u00e9": 1, "e\u0301": 2}"#).objectValue)
        #expect(object.count == 1)
        #expect(object["é"] == 2)
    }

    @Test func reusedParserKeepsKeysApart() throws {
        // Thousands of different short keys through one parser: the key cache must never hand
        // back a string for different bytes.
        var parser = JSONParser()
        for length in 1 ... 16 {
            for variant in 0 ..< 200 {
                let digits = String(variant, radix: 36)
                let key = String((digits + String(repeating: "x", count: 16)).prefix(length))
                let value = try parser.parse(#"{"\#(key)": \#(variant)}"#)
                #expect(value == .object([key: .number(Double(variant))]), "key \(key)")
            }
        }
    }

    @Test func entryPointsAgree() throws {
        let text = #"{"a": [1, "x"]}"#
        var parser = JSONParser()
        let fromString = try parser.parse(text)
        let fromBytes = try parser.parse(Array(text.utf8))
        let fromBuffer = try Array(text.utf8).withUnsafeBytes { buffer in try parser.parse(buffer) }
        #expect(fromString == fromBytes && fromBytes == fromBuffer)
        #expect(try JSONParser.parse(Array(text.utf8)) == fromString)
    }

    // MARK: Strings

    @Test func escapes() throws {
        #expect(try parse(#""""#) == "")
        #expect(try parse(#""a\"b\\c\/d""#) == "a\"b\\c/d")
        #expect(try parse(#""\b\f\n\r\t""#) == "\u{08}\u{0C}\n\r\t")
        #expect(try parse(#""\u0041\u00e9\u65E5\u0000""#) == "Aé日\u{0}")
        #expect(try parse(#""x\ud83d\ude00y""#) == "x😀y", "surrogate pair")
        #expect(try parse(#""\uD83D\uDE00""#) == "😀", "upper-case hex")
        #expect(try parse(#""\uDBFF\uDFFF""#) == .string(String(Unicode.Scalar(0x10FFFF)!)))
        #expect(try parse(#""caf\u00e9 \"ok\"""#) == "café \"ok\"", "raw text around escapes")
    }

    @Test func rawUnicodeIsKept() throws {
        #expect(try parse(#""é 日本 😀 Ω""#) == "é 日本 😀 Ω")
        #expect(try parse(#"{"日本": "語"}"#) == ["日本": "語"])
        // Non-ASCII next to escapes is validated as a whole.
        #expect(try parse(#""é\n😀\t""#) == "é\n😀\t")
    }

    @Test func invalidEscapesAndSurrogates() {
        #expect(parseError(#""\x""#)?.message == "invalid escape sequence '\\x'")
        #expect(parseError(#""\u12G4""#)?.message == "invalid \\u escape, expected 4 hex digits")
        #expect(parseError(#""\u12""#)?.message == "invalid \\u escape, expected 4 hex digits")
        #expect(parseError(#""\ud83d""#)?.message == "unpaired high surrogate in \\u escape")
        #expect(parseError(#""\ud83dx""#)?.message == "unpaired high surrogate in \\u escape")
        #expect(parseError(#""\ud83d\u0041""#)?.message == "unpaired high surrogate in \\u escape")
        #expect(parseError(#""\ud83d\ud83d""#)?.message == "unpaired high surrogate in \\u escape")
        #expect(parseError(#""\ude00""#)?.message == "unpaired low surrogate in \\u escape")
        #expect(parseError(#""ab\ude00\ud83d""#)?.offset == 3, "points at the backslash")
        #expect(parseError(#""\"#)?.message == "unterminated string")
    }

    @Test func controlCharactersMustBeEscaped() throws {
        for byte in UInt8(0) ..< 0x20 {
            let error = parseError(bytes: Array(#""ab"#.utf8) + [byte] + Array(#"c""#.utf8))
            #expect(error?.message == "control character in string must be escaped", "byte \(byte)")
            #expect(error?.offset == 3)
        }
        #expect(try parse("\"\u{7F}\"") == "\u{7F}", "DEL is not a control character in JSON")
    }

    @Test func unterminatedString() {
        let error = parseError(#"{"key": "value"#)
        #expect(error?.message == "unterminated string")
        #expect(error?.column == 9, "points at the opening quote")
    }

    @Test func invalidUTF8IsRejected() {
        let cases: [[UInt8]] = [
            [0xFF], [0xC0, 0xAF], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3],
        ]
        for bad in cases {
            #expect(parseError(bytes: [0x22] + bad + [0x22])?.message == "invalid UTF-8 in string", "\(bad)")
            // With an escape in the string, the slow path validates too.
            #expect(parseError(bytes: Array(#""\n"#.utf8) + bad + [0x22])?.message == "invalid UTF-8 in string")
        }
        #expect(parseError(bytes: [0xFF])?.message == "unexpected byte 0xFF, expected a value")
    }

    /// The string scanner reads eight bytes at a time: put every kind of special byte at every
    /// position relative to a word, in strings long and short, and near the end of the input.
    @Test func specialBytesAtEveryOffset() throws {
        for length in 0 ..< 40 {
            let plain = String(repeating: "a", count: length)
            #expect(try parse("\"\(plain)\"") == .string(plain))
            #expect(try parse("[\"\(plain)\", 1]") == [.string(plain), 1])
            for position in 0 ... length {
                var escaped = Array(plain.utf8)
                escaped.insert(contentsOf: Array(#"\n"#.utf8), at: position)
                let expected = String(plain.prefix(position)) + "\n" + String(plain.dropFirst(position))
                #expect(try JSONParser.parse([0x22] + escaped + [0x22]) == .string(expected))

                var withControl = Array(plain.utf8)
                withControl.insert(0x01, at: position)
                #expect(parseError(bytes: [0x22] + withControl + [0x22])?.offset == 1 + position)

                var withAccent = Array(plain.utf8)
                withAccent.insert(contentsOf: Array("é".utf8), at: position)
                let accented = String(plain.prefix(position)) + "é" + String(plain.dropFirst(position))
                #expect(try JSONParser.parse([0x22] + withAccent + [0x22, 0x20]) == .string(accented))
                let key = try JSONParser.parse(Array("{\"".utf8) + withAccent + Array("\":0}".utf8))
                #expect(key == .object([accented: 0]))
            }
        }
    }

    // MARK: Numbers

    @Test func numbers() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("7", 7), ("-7", -7), ("10", 10), ("123456789", 123_456_789), ("1.5", 1.5), ("-1.5", -1.5),
            ("0.1", 0.1), ("0.001", 0.001), ("1e2", 100), ("1E2", 100), ("1e+2", 100), ("1e-2", 0.01),
            ("-1.5e3", -1500), ("2.5E-3", 0.0025), ("0e10", 0), ("0.0", 0), ("1e22", 1e22), ("1e23", 1e23),
            ("9007199254740992", 9_007_199_254_740_992), ("9007199254740993", 9_007_199_254_740_992),
            ("1.7976931348623157e308", .greatestFiniteMagnitude), ("5e-324", .leastNonzeroMagnitude),
            ("2.2250738585072014e-308", .leastNormalMagnitude), ("142.71428571428572", 142.71428571428572),
            ("0.30000000000000004", 0.30000000000000004), ("1e-400", 0),
            ("123456789012345678901234567890", 123_456_789_012_345_678_901_234_567_890.0),
            ("0.000000000000000000000000000001", 1e-30), ("1700000000.123", 1_700_000_000.123),
        ]
        for (text, expected) in cases {
            let value = try #require(try parse(text).numberValue, "\(text)")
            #expect(value.bitPattern == expected.bitPattern, "\(text) parsed as \(value), expected \(expected)")
        }
        let negativeZero = try #require(try parse("-0").numberValue)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(try parse("-0.0e5").numberValue?.sign == .minus)
    }

    @Test func invalidNumbers() {
        let cases: [(String, String)] = [
            ("01", "leading zeros are not allowed"), ("-01", "leading zeros are not allowed"),
            ("00", "leading zeros are not allowed"), ("-", "expected a digit after '-'"),
            ("-a", "expected a digit after '-'"), ("1.", "expected a digit after the decimal point"),
            ("1.e5", "expected a digit after the decimal point"), ("1e", "expected a digit in the exponent"),
            ("1e+", "expected a digit in the exponent"), (".5", "unexpected '.', expected a value"),
            ("+1", "unexpected '+', expected a value"), ("NaN", "unexpected 'N', expected a value"),
            ("Infinity", "unexpected 'I', expected a value"), ("-Infinity", "expected a digit after '-'"),
            ("1e400", "number out of range"), ("-1e400", "number out of range"),
            ("0x10", "unexpected 'x' after JSON value"), ("1 2", "unexpected '2' after JSON value"),
        ]
        for (text, message) in cases {
            #expect(parseError(text)?.message == message, "\(text)")
        }
        #expect(parseError(String(repeating: "1", count: 2000))?.message == "number too long (over 1024 characters)")
    }

    /// Random decimal texts of every shape the fast paths handle (and some they do not) must
    /// parse to exactly what the standard library's correctly rounded conversion gives.
    @Test func numbersMatchCorrectRounding() throws {
        var random = JSONTestRandom(seed: 0x5EED_0001)
        for _ in 0 ..< 20_000 {
            let digits = Int.random(in: 1 ... 22, using: &random)
            var text = Int.random(in: 0 ... 3, using: &random) == 0 ? "-" : ""
            let significand = (0 ..< digits).map { index in
                String(Int.random(in: index == 0 ? 1 ... 9 : 0 ... 9, using: &random))
            }.joined()
            let point = Int.random(in: 1 ... digits, using: &random)
            if Int.random(in: 0 ... 4, using: &random) == 0 {
                text += "0." + String(repeating: "0", count: Int.random(in: 0 ... 5, using: &random)) + significand
            } else if point == digits {
                text += significand
            } else {
                text += String(significand.prefix(point)) + "." + String(significand.dropFirst(point))
            }
            if Bool.random(using: &random) { text += "e\(Int.random(in: -40 ... 40, using: &random))" }
            let expected = try #require(Double(text))
            let value = try #require(try parse(text).numberValue, "\(text)")
            #expect(value.bitPattern == expected.bitPattern, "\(text): got \(value), expected \(expected)")
        }
    }

    @Test func doublesRoundTripThroughTheirDescription() throws {
        var random = JSONTestRandom(seed: 0x5EED_0002)
        for _ in 0 ..< 20_000 {
            let value = Double(bitPattern: random.next())
            guard value.isFinite else { continue }
            let parsed = try #require(try parse(value.description).numberValue)
            #expect(parsed.bitPattern == value.bitPattern, "\(value)")
        }
    }

    // MARK: Errors and positions

    @Test func errorMessagesAndPositions() throws {
        let missingComma = try #require(parseError(#"{"a": 1, "bc": 2 "d": 3}"#))
        #expect(missingComma.message == "expected ',' or '}' after object member")
        #expect(missingComma.offset == 17 && missingComma.line == 1 && missingComma.column == 18)
        #expect(missingComma.description == "expected ',' or '}' after object member at line 1, column 18")

        let multiLine = try #require(parseError("{\n  \"a\": [1, 2],\n  \"b\": tru\n}"))
        #expect(multiLine.message == "invalid literal, expected 'true'")
        #expect(multiLine.line == 3 && multiLine.column == 8)

        let crlf = try #require(parseError("[1,\r\n 2\r\n x]"))
        #expect(crlf.line == 3 && crlf.column == 2, "CR is not a line break of its own")

        let unicodeColumn = try #require(parseError(#"{"日本": x}"#))
        #expect(unicodeColumn.column == 8 && unicodeColumn.offset == 11, "columns count characters, offsets bytes")

        #expect(parseError(#"[1 2]"#)?.message == "expected ',' or ']' after array element")
        #expect(parseError(#"{"a" 1}"#)?.message == "expected ':' after object key")
        #expect(parseError(#"{1: 2}"#)?.message == "expected a string key or '}', got '1'")
        #expect(parseError(#"{"a": 1, 2}"#)?.message == "expected a string key, got '2'")
        #expect(parseError(#"{'a': 1}"#)?.message == "expected a string key or '}', got '''")
        #expect(parseError("[1, nul]")?.message == "invalid literal, expected 'null'")
        #expect(parseError("fals")?.message == "invalid literal, expected 'false'")
        #expect(parseError("[1,")?.message == "unexpected end of input, expected a value")
        #expect(parseError("[1")?.message == "unexpected end of input, expected ',' or ']'")
        #expect(parseError(#"{"a": 1"#)?.message == "unexpected end of input, expected ',' or '}'")
        #expect(parseError(#"{"#)?.message == "unexpected end of input, expected a string key")
        #expect(parseError("{} x")?.message == "unexpected 'x' after JSON value")
        #expect(parseError("[]]")?.message == "unexpected ']' after JSON value")
    }

    @Test func emptyInput() {
        let empty = parseError("")
        #expect(empty?.message == "unexpected end of input, expected a value")
        #expect(empty?.offset == 0 && empty?.line == 1 && empty?.column == 1)
        #expect(parseError(" \n ")?.line == 2)
    }

    @Test func trailingCommasCommentsAndExtensions() {
        #expect(parseError("[1, 2,]")?.message == "trailing comma before ']'")
        #expect(parseError(#"{"a": 1,}"#)?.message == "trailing comma before '}'")
        #expect(parseError(#"{"a": 1, }"#)?.column == 10)
        #expect(parseError("[,1]")?.message == "unexpected ',', expected a value")
        #expect(parseError("// hi\n1")?.message == "comments are not allowed")
        #expect(parseError("[1, /* c */ 2]")?.message == "comments are not allowed")
        #expect(parseError("\u{FEFF}{}")?.message == "unexpected byte 0xEF, expected a value", "no BOM in the parser")
        #expect(parseError(#"{"a": undefined}"#)?.message == "unexpected 'u', expected a value")
    }

    // MARK: Depth

    @Test func depthLimit() throws {
        let limit = JSONParser.defaultMaxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try parse(deepest).arrayValue != nil)

        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = try #require(parseError(tooDeep))
        #expect(error.message == "nesting deeper than 512 levels" && error.offset == limit)

        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(parseError(objects)?.message == "nesting deeper than 512 levels")

        // Hostile input fails fast instead of overflowing the stack.
        #expect(parseError(String(repeating: "[", count: 1_000_000))?.message == "nesting deeper than 512 levels")
        // Each `{"a":[` opens two levels, so the 513th opens at the 257th object.
        #expect(parseError(String(repeating: #"{"a":["#, count: 100_000))?.offset == 6 * 256)

        var shallow = JSONParser(maxDepth: 2)
        #expect(try shallow.parse("[[1]]") == [[1]])
        #expect(throws: JSONParseError.self) { try shallow.parse("[[[1]]]") }
        #expect(try shallow.parse(#"{"a": [2]}"#) == ["a": [2]], "the parser is reusable after an error")
    }

    // MARK: Robustness

    /// Thousands of random and mutated inputs: the parser must return a value or an error, never
    /// crash; an error must point inside the input; a value must survive a write-and-parse cycle.
    @Test func fuzzNeverCrashes() {
        var random = JSONTestRandom(seed: 0xF022)
        let seeds = [
            #"{"a": [1, 2.5e-3, "x\u00e9\n", true, null], "b": {"c": -0, "d": "😀"}}"#,
            #"[{"k": "v"}, [], {}, "\ud83d\ude00", 1e300, -12.75]"#,
            #"{"long string value with escapes \" \\ \t": [[[["deep"]]]]}"#,
        ].map { Array($0.utf8) }
        let alphabet = Array(#"{}[],:"\/ntfrue0123456789.eE+-abu é"#.utf8) + [0x00, 0x0A, 0x0D, 0x80, 0xFF, 0xC3, 0xED]
        var parser = JSONParser(maxDepth: 64)
        for round in 0 ..< 6_000 {
            var input: [UInt8]
            switch round % 3 {
            case 0:
                input = (0 ..< Int.random(in: 0 ... 40, using: &random)).map { _ in
                    alphabet[Int.random(in: 0 ..< alphabet.count, using: &random)]
                }
            case 1:
                input = (0 ..< Int.random(in: 0 ... 24, using: &random)).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
            default:
                input = seeds[Int.random(in: 0 ..< seeds.count, using: &random)]
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &random) {
                    let position = Int.random(in: 0 ... input.count, using: &random)
                    let byte = alphabet[Int.random(in: 0 ..< alphabet.count, using: &random)]
                    switch Int.random(in: 0 ..< 3, using: &random) {
                    case 0 where position < input.count: input[position] = byte
                    case 1 where position < input.count: input.remove(at: position)
                    default: input.insert(byte, at: position)
                    }
                }
            }
            do {
                let value = try parser.parse(input)
                #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value, "\(input)")
            } catch {
                #expect(error.offset >= 0 && error.offset <= input.count, "\(input)")
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }
}

/// A small seeded generator so random tests are the same on every run.
struct JSONTestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
