public import OrderedCollections

/// A JSON value: the event model of streamd. Events are JSON objects; expressions, stages and
/// outputs all work on this one type.
///
/// Numbers are `Double` (integral values print without a fraction); objects keep their keys in
/// the order they arrived, so an event leaves the daemon looking like it came in.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object with its keys in insertion order.
public typealias JSONObject = OrderedDictionary<String, JSONValue>

/// An event as it flows through a pipeline: always a JSON object.
public typealias Event = JSONObject

extension JSONValue {
    /// The JSON type name used in error messages ("expected number, got string").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var objectValue: JSONObject? { if case .object(let object) = self { object } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let array) = self { array } else { nil } }
    public var stringValue: String? { if case .string(let string) = self { string } else { nil } }
    public var numberValue: Double? { if case .number(let number) = self { number } else { nil } }
    public var boolValue: Bool? { if case .bool(let bool) = self { bool } else { nil } }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements, uniquingKeysWith: { _, last in last }))
    }
}
