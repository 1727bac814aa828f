public import OrderedCollections

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

/// How an ingestion body is framed; the HTTP layer picks it from the Content-Type (SPEC §3.3).
public enum IngestFormat: Sendable, Equatable {
    /// One JSON object, or a JSON array of objects.
    case json
    /// Newline-delimited JSON: one object per line.
    case ndjson

    /// Maps a Content-Type header value (parameters such as `charset` are ignored); a missing
    /// header means JSON. `nil` means unsupported: answer 415.
    public init?(contentType: String?) {
        guard let contentType else {
            self = .json
            return
        }
        let mediaType = contentType.prefix { $0 != ";" }.filter { $0 != " " && $0 != "\t" }
        switch mediaType.lowercased() {
        case "application/json": self = .json
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
            self = .ndjson
        default: return nil
        }
    }
}

/// One malformed part of a body: `index` is the 0-based line (NDJSON) or array element (JSON).
public struct IngestRejection: Sendable, Equatable {
    public var index: Int
    public var error: String

    public init(index: Int, error: String) {
        self.index = index
        self.error = error
    }
}

/// The events of a body, in order, and what was wrong with the rest. Whenever `events` is empty,
/// `rejected` says why (at least one entry), so the caller can answer 400 without inventing text.
public struct IngestParseResult: Sendable, Equatable {
    public var events: [Event]
    public var rejected: [IngestRejection]

    public init(events: [Event] = [], rejected: [IngestRejection] = []) {
        self.events = events
        self.rejected = rejected
    }
}

/// Turns an ingestion request body into events (SPEC §3.3), in one pass over the bytes.
///
/// - `.json`: an object is one event; an array yields one event per object element and rejects
///   each other element by its index. A body that is not valid JSON is one rejection at index 0
///   (a syntax error leaves nothing trustworthy to keep); so is a scalar or an empty array.
/// - `.ndjson`: each line is parsed on its own, so a bad line costs only itself. Blank lines
///   (whitespace only, including the empty "line" after a trailing newline) are skipped, but they
///   still count: `index` is the line's 0-based position among all lines, which is what a client
///   sees in its file or editor (line `index + 1`). A trailing `\r` (CRLF) is whitespace.
///
/// A UTF-8 byte order mark at the very start of the body is ignored. Error texts carry the
/// position in the body, e.g. "expected ':' after object key at line 3, column 7".
public enum IngestBody {
    public static func parse(
        _ body: UnsafeRawBufferPointer, format: IngestFormat, maxDepth: Int = JSONParser.defaultMaxDepth
    ) -> IngestParseResult {
        var body = body
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = UnsafeRawBufferPointer(rebasing: body[3...]) }
        var parser = JSONParser(maxDepth: maxDepth)
        switch format {
        case .json: return parseJSON(body, parser: &parser)
        case .ndjson: return parseNDJSON(body, parser: &parser)
        }
    }

    public static func parse(
        _ body: [UInt8], format: IngestFormat, maxDepth: Int = JSONParser.defaultMaxDepth
    ) -> IngestParseResult {
        body.withUnsafeBytes { parse($0, format: format, maxDepth: maxDepth) }
    }

    private static let emptyBody = IngestParseResult(rejected: [IngestRejection(index: 0, error: "empty body")])

    private static func parseJSON(_ body: UnsafeRawBufferPointer, parser: inout JSONParser) -> IngestParseResult {
        if isBlank(body) { return emptyBody }
        let value: JSONValue
        do {
            value = try parser.parse(body)
        } catch {
            return IngestParseResult(rejected: [IngestRejection(index: 0, error: error.description)])
        }
        switch value {
        case .object(let event):
            return IngestParseResult(events: [event])
        case .array(let elements):
            guard !elements.isEmpty else {
                return IngestParseResult(rejected: [IngestRejection(index: 0, error: "empty array: no events")])
            }
            var result = IngestParseResult()
            result.events.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                if case .object(let event) = element {
                    result.events.append(event)
                } else {
                    result.rejected.append(IngestRejection(index: index, error: "expected an object, got \(element.typeName)"))
                }
            }
            return result
        default:
            let error = "expected an object or an array of objects, got \(value.typeName)"
            return IngestParseResult(rejected: [IngestRejection(index: 0, error: error)])
        }
    }

    private static func parseNDJSON(_ body: UnsafeRawBufferPointer, parser: inout JSONParser) -> IngestParseResult {
        var result = IngestParseResult()
        var lineIndex = 0
        var lineStart = 0
        while lineStart <= body.count {
            let lineEnd = endOfLine(in: body, from: lineStart)
            let line = UnsafeRawBufferPointer(rebasing: body[lineStart ..< lineEnd])
            if !isBlank(line) {
                do {
                    let value = try parser.parse(line)
                    if case .object(let event) = value {
                        result.events.append(event)
                    } else {
                        result.rejected.append(IngestRejection(index: lineIndex, error: "expected an object, got \(value.typeName)"))
                    }
                } catch {
                    // The parser saw only this line: its "line 1" is line `lineIndex + 1` of the body.
                    let located = JSONParseError(
                        message: error.message, offset: lineStart + error.offset, line: lineIndex + 1, column: error.column
                    )
                    result.rejected.append(IngestRejection(index: lineIndex, error: located.description))
                }
            }
            lineIndex += 1
            lineStart = lineEnd + 1
        }
        if result.events.isEmpty, result.rejected.isEmpty { return emptyBody }
        return result
    }

    /// The index of the next "\n" at or after `start`, or `body.count`; memchr is vectorised.
    private static func endOfLine(in body: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard start < body.count, let base = body.baseAddress,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), body.count - start)
        else { return body.count }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// True when `bytes` holds only JSON whitespace (or nothing).
    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }
}
