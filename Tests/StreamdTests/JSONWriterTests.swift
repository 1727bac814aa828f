import OrderedCollections
import Testing

import StreamdCore
import StreamdHTTP

/// Compact JSON output: number and string formatting, and the round trip parse(write(x)) == x
/// over seeded random values.
@Suite struct JSONWriterTests {
    private func written(_ value: JSONValue) -> String { JSONWriter.string(value) }

    @Test func scalars() {
        #expect(written(nil) == "null")
        #expect(written(true) == "true")
        #expect(written(false) == "false")
        #expect(written("") == #""""#)
        #expect(written("plain") == #""plain""#)
    }

    @Test func integralNumbersPrintAsIntegers() {
        #expect(written(7) == "7")
        #expect(written(7.0) == "7")
        #expect(written(-7) == "-7")
        #expect(written(0) == "0")
        #expect(written(.number(-0.0)) == "-0")
        #expect(written(1_700_000_000) == "1700000000")
        #expect(written(.number(9_007_199_254_740_992)) == "9007199254740992", "2^53 is still an integer")
        #expect(written(.number(-9_007_199_254_740_992)) == "-9007199254740992")
        #expect(written(.number(9_007_199_254_740_994)) == "9.007199254740994e+15", "beyond 2^53: shortest form")
        #expect(written(1e300) == "1e+300")
    }

    @Test func otherNumbersUseTheShortestRoundTripForm() {
        #expect(written(1.5) == "1.5")
        #expect(written(-0.25) == "-0.25")
        #expect(written(0.1) == "0.1")
        #expect(written(0.30000000000000004) == "0.30000000000000004")
        #expect(written(1e-7) == "1e-07")
        #expect(written(.number(.leastNonzeroMagnitude)) == "5e-324")
        #expect(written(.number(.greatestFiniteMagnitude)) == "1.7976931348623157e+308")
        #expect(written(142.71428571428572) == "142.71428571428572")
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(written(.number(.nan)) == "null")
        #expect(written(.number(.infinity)) == "null")
        #expect(written(.number(-.infinity)) == "null")
        #expect(written([.number(.nan), 1]) == "[null,1]")
    }

    @Test func stringEscapes() {
        #expect(written("a\"b\\c") == #""a\"b\\c""#)
        #expect(written("\n\r\t\u{08}\u{0C}") == #""\n\r\t\b\f""#)
        #expect(written("\u{0}\u{1}\u{1F}") == #""\u0000\u0001\u001f""#)
        #expect(written("/ and \u{7F} stay as they are") == "\"/ and \u{7F} stay as they are\"")
        #expect(written("é 日本 😀") == "\"é 日本 😀\"", "non-ASCII is written as UTF-8, not escaped")
        #expect(written("x\"") == #""x\"""#, "escape at the end")
        #expect(written("\"x") == #""\"x""#, "escape at the start")
    }

    @Test func containersAreCompactAndKeepKeyOrder() {
        #expect(written([]) == "[]")
        #expect(written([:]) == "{}")
        #expect(written([1, "a", nil, [true]]) == #"[1,"a",null,[true]]"#)
        let object: JSONValue = ["zeta": 1, "alpha": ["nested": [1.5, false]], "q\"uote": "v"]
        #expect(written(object) == #"{"zeta":1,"alpha":{"nested":[1.5,false]},"q\"uote":"v"}"#)
    }

    @Test func appendsToTheBuffer() {
        var out = Array("prefix:".utf8)
        let value: JSONValue = ["a": 1]
        JSONWriter.write(value, into: &out)
        let event: Event = ["b": "x"]
        JSONWriter.write(event, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:{"a":1}{"b":"x"}"#)
    }

    @Test func descriptionIsCompactJSON() {
        let value: JSONValue = ["a": [1, 2.5, "x"], "b": nil]
        #expect(value.description == #"{"a":[1,2.5,"x"],"b":null}"#)
        #expect("\(value)" == value.description)
    }

    /// parse(write(x)) == x, and writing again gives the same bytes, for random values of every
    /// kind: nested containers, strings with escapes and Unicode, doubles from random bits.
    @Test func randomValuesRoundTrip() throws {
        var random = JSONTestRandom(seed: 0x0123_4567)
        var parser = JSONParser()
        for _ in 0 ..< 3_000 {
            let value = RandomJSONValue.value(depth: 4, using: &random)
            let bytes = JSONWriter.bytes(value)
            let parsed = try parser.parse(bytes)
            #expect(parsed == value, "\(value)")
            #expect(JSONWriter.bytes(parsed) == bytes)
            if case .object(let object) = value {
                #expect(parsed.objectValue?.keys.elementsEqual(object.keys) == true, "key order")
            }
        }
    }

    @Test func randomDoublesRoundTripExactly() throws {
        var random = JSONTestRandom(seed: 0x89AB_CDEF)
        for _ in 0 ..< 20_000 {
            let number = Double(bitPattern: random.next())
            guard number.isFinite else { continue }
            let parsed = try #require(try JSONParser.parse(JSONWriter.bytes(.number(number))).numberValue)
            #expect(parsed.bitPattern == number.bitPattern, "\(number)")
        }
    }
}

/// Seeded random JSON values for round-trip tests.
enum RandomJSONValue {
    static func value(depth: Int, using random: inout JSONTestRandom) -> JSONValue {
        switch Int.random(in: 0 ..< (depth > 0 ? 8 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(number(using: &random))
        case 3, 4: return .string(string(using: &random))
        case 5: return .number(Double(Int.random(in: -1_000_000 ... 1_000_000, using: &random)))
        case 6:
            let count = Int.random(in: 0 ... 5, using: &random)
            return .array((0 ..< count).map { _ in value(depth: depth - 1, using: &random) })
        default:
            var object = JSONObject()
            for _ in 0 ..< Int.random(in: 0 ... 6, using: &random) {
                object[string(using: &random)] = value(depth: depth - 1, using: &random)
            }
            return .object(object)
        }
    }

    static func number(using random: inout JSONTestRandom) -> Double {
        switch Int.random(in: 0 ..< 4, using: &random) {
        case 0: return Double(Int64.random(in: -(1 << 53) ... (1 << 53), using: &random))
        case 1: return Double.random(in: -1000 ... 1000, using: &random)
        case 2: return Bool.random(using: &random) ? -0.0 : 0.0
        default:
            let bits = Double(bitPattern: random.next())
            return bits.isFinite ? bits : 1.5
        }
    }

    /// Strings mixing ASCII, JSON's special characters, control characters and multi-byte
    /// scalars (including ones that need surrogate pairs when escaped), of varied lengths.
    static func string(using random: inout JSONTestRandom) -> String {
        let pieces: [String] = [
            "a", "key", "value", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "日本",
            "😀", "\u{10FFFF}", "e\u{301}", "0123456789abcdef",
        ]
        var string = ""
        for _ in 0 ..< Int.random(in: 0 ... 8, using: &random) {
            string += pieces[Int.random(in: 0 ..< pieces.count, using: &random)]
        }
        return string
    }
}
