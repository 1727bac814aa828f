import OrderedCollections
import Testing

import StreamdCore
import StreamdHTTP

/// Ingestion bodies (SPEC §3.3): one object, an array of objects, or NDJSON; malformed parts are
/// reported with the index the client can find them by.
@Suite struct IngestBodyTests {
    private func ingest(_ body: String, _ format: IngestFormat) -> IngestParseResult {
        IngestBody.parse(Array(body.utf8), format: format)
    }

    private func rejection(_ index: Int, _ error: String) -> IngestRejection {
        IngestRejection(index: index, error: error)
    }

    // MARK: JSON

    @Test func jsonObjectIsOneEvent() {
        let result = ingest(#"{"user": "ann", "n": 1}"#, .json)
        #expect(result == IngestParseResult(events: [["user": "ann", "n": 1]]))
        #expect(result.events.first?.keys.elementsEqual(["user", "n"]) == true)
    }

    @Test func jsonArrayOfObjects() {
        let result = ingest(#" [{"a": 1}, {"b": [2]}, {}] "#, .json)
        #expect(result.events == [["a": 1], ["b": [2]], [:]])
        #expect(result.rejected.isEmpty)
    }

    @Test func jsonArrayElementsThatAreNotObjectsAreRejectedByIndex() {
        let result = ingest(#"[{"a": 1}, 2, "x", {"b": 2}, [], null]"#, .json)
        #expect(result.events == [["a": 1], ["b": 2]])
        #expect(result.rejected == [
            rejection(1, "expected an object, got number"), rejection(2, "expected an object, got string"),
            rejection(4, "expected an object, got array"), rejection(5, "expected an object, got null"),
        ])
    }

    @Test func jsonThatDoesNotParseIsOneRejection() {
        let result = ingest("[{\"a\": 1},\n {\"b\": 2,}]", .json)
        #expect(result.events.isEmpty)
        #expect(result.rejected == [rejection(0, "trailing comma before '}' at line 2, column 10")])
    }

    @Test func jsonScalarsAndEmptyArrays() {
        #expect(ingest("42", .json).rejected == [rejection(0, "expected an object or an array of objects, got number")])
        #expect(ingest("[]", .json) == IngestParseResult(rejected: [rejection(0, "empty array: no events")]))
    }

    // MARK: NDJSON

    @Test func ndjsonOneObjectPerLine() {
        let result = ingest("{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n", .ndjson)
        #expect(result == IngestParseResult(events: [["a": 1], ["a": 2], ["a": 3]]))
        #expect(ingest("{\"a\": 1}\n{\"a\": 2}", .ndjson).events.count == 2, "no trailing newline")
    }

    @Test func ndjsonBadLinesAreReportedByLineIndexCountingBlankLines() {
        let body = """
            {"ok": 1}

            {"ok": 2, }
            [1, 2]
              \t
            {"ok": 3}
            not json
            {"ok": 4}

            """
        let result = ingest(body, .ndjson)
        #expect(result.events == [["ok": 1], ["ok": 3], ["ok": 4]])
        #expect(result.rejected == [
            rejection(2, "trailing comma before '}' at line 3, column 11"),
            rejection(3, "expected an object, got array"),
            rejection(6, "invalid literal, expected 'null' at line 7, column 1"),
        ])
    }

    @Test func ndjsonToleratesCRLF() {
        let result = ingest("{\"a\": 1}\r\n\r\n{\"a\": 2}\r\n{\"a\": \r\n", .ndjson)
        #expect(result.events == [["a": 1], ["a": 2]])
        #expect(result.rejected == [rejection(3, "unexpected end of input, expected a value at line 4, column 8")])
    }

    @Test func ndjsonRejectsPrettyPrintedObjects() {
        let result = ingest("{\n  \"a\": 1\n}\n", .ndjson)
        #expect(result.events.isEmpty)
        #expect(result.rejected.map(\.index) == [0, 1, 2])
    }

    @Test func ndjsonWithOnlyBadLines() {
        let result = ingest("1\n\"x\"\n", .ndjson)
        #expect(result.events.isEmpty)
        #expect(result.rejected == [rejection(0, "expected an object, got number"), rejection(1, "expected an object, got string")])
    }

    @Test func ndjsonLinesAreIndependent() {
        // An unterminated string or an open bracket does not swallow the following lines.
        let result = ingest("{\"a\": \"oops\n{\"b\": [1,\n{\"c\": 3}", .ndjson)
        #expect(result.events == [["c": 3]])
        #expect(result.rejected.map(\.index) == [0, 1])
    }

    // MARK: Both

    @Test func emptyBodies() {
        let empty = IngestParseResult(rejected: [rejection(0, "empty body")])
        for format in [IngestFormat.json, .ndjson] {
            #expect(ingest("", format) == empty)
            #expect(ingest(" \n\r\n\t ", format) == empty)
        }
        #expect(ingest("\n\n\n", .ndjson) == empty)
    }

    @Test func byteOrderMarkIsIgnored() {
        #expect(ingest("\u{FEFF}{\"a\": 1}", .json).events == [["a": 1]])
        #expect(ingest("\u{FEFF}{\"a\": 1}\n{\"a\": 2}", .ndjson).events.count == 2)
    }

    @Test func rawBufferEntryPoint() {
        let body = Array("{\"a\": 1}\n{\"b\": 2}".utf8)
        let result = body.withUnsafeBytes { IngestBody.parse($0, format: .ndjson) }
        #expect(result == IngestBody.parse(body, format: .ndjson))
    }

    @Test func depthLimitApplies() {
        let deep = "{\"a\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        #expect(ingest(deep, .ndjson).rejected.first?.error.hasPrefix("nesting deeper than 512 levels") == true)
        #expect(IngestBody.parse(Array(#"{"a": [[1]]}"#.utf8), format: .json, maxDepth: 2).events.isEmpty)
    }

    @Test func contentTypes() {
        #expect(IngestFormat(contentType: nil) == .json)
        #expect(IngestFormat(contentType: "application/json") == .json)
        #expect(IngestFormat(contentType: "Application/JSON; charset=utf-8") == .json)
        #expect(IngestFormat(contentType: "application/x-ndjson") == .ndjson)
        #expect(IngestFormat(contentType: "application/ndjson ; charset=UTF-8") == .ndjson)
        #expect(IngestFormat(contentType: "application/jsonl") == .ndjson)
        #expect(IngestFormat(contentType: "text/plain") == nil)
        #expect(IngestFormat(contentType: "") == nil)
    }

    /// Random and mutated bodies: never a crash, indexes within the body's lines or elements,
    /// and never "no events and no reason".
    @Test func fuzzedBodies() {
        var random = JSONTestRandom(seed: 0xB0D1)
        let seed = Array("{\"a\": 1, \"b\": [\"x\", {\"c\": null}]}\n\n{\"d\": \"é\\n\"}\r\n[1]\n".utf8)
        let alphabet = Array("{}[],:\"\\ \n\r1e-.tnué".utf8) + [0x00, 0xFF]
        for round in 0 ..< 3_000 {
            var body = seed
            if round % 2 == 0 {
                body = (0 ..< Int.random(in: 0 ... 60, using: &random)).map { _ in
                    alphabet[Int.random(in: 0 ..< alphabet.count, using: &random)]
                }
            } else {
                for _ in 0 ..< Int.random(in: 1 ... 6, using: &random) {
                    let position = Int.random(in: 0 ..< body.count, using: &random)
                    body[position] = alphabet[Int.random(in: 0 ..< alphabet.count, using: &random)]
                }
            }
            let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            for format in [IngestFormat.json, .ndjson] {
                let result = IngestBody.parse(body, format: format)
                #expect(!result.events.isEmpty || !result.rejected.isEmpty, "\(body)")
                if format == .ndjson {
                    #expect(result.rejected.allSatisfy { $0.index < lines }, "\(body)")
                    #expect(result.events.count + result.rejected.count <= lines)
                }
            }
        }
    }
}
