import StreamdCore
import StreamdHTTP
import OrderedCollections
import Testing

@Suite struct JSONValueTests {
    @Test func literalsAndAccessors() {
        let value: JSONValue = ["a": 1, "b": [true, nil, "x"], "c": 2.5]
        #expect(value.objectValue?["a"] == .number(1))
        #expect(value.objectValue?["b"]?.arrayValue?.count == 3)
        #expect(value.objectValue?.keys.elementsEqual(["a", "b", "c"]) == true, "keys keep their order")
        #expect(JSONValue.string("s").typeName == "string")
    }
}
