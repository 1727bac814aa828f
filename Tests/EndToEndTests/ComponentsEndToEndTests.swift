import Foundation
import Testing

/// `streamd components [--json]`: the binary lists every kind it was built with.
@Suite struct ComponentsEndToEndTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = StreamdProcess.binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func jsonListsEveryFamilyKindAndOption() throws {
        let (status, output) = try Self.run(["components", "--json"])
        #expect(status == 0)
        let catalog = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [[String: Any]]])
        #expect(Set(catalog.keys) == ["inputs", "stages", "outputs", "hooks"])
        let names = { (family: String) in catalog[family]?.compactMap { $0["name"] as? String } ?? [] }
        #expect(names("inputs") == ["http"])
        #expect(names("stages") == ["filter", "set", "remove", "rename", "parse_timestamp", "lookup", "sample", "dedupe", "window", "alert"])
        #expect(names("outputs") == ["memory", "file", "stdout", "http"])
        #expect(names("hooks") == ["webhook", "exec", "log"])
        for kind in catalog.values.joined() {
            #expect((kind["summary"] as? String)?.isEmpty == false, "\(kind["name"] ?? "")")
            for option in kind["options"] as? [[String: Any]] ?? [] {
                #expect(Set(option.keys) == ["name", "type", "default", "required", "summary"], "\(kind["name"] ?? "")")
            }
        }
        func option(_ family: String, _ kind: String, _ name: String) -> [String: Any]? {
            let entry = catalog[family]?.first { $0["name"] as? String == kind }
            return (entry?["options"] as? [[String: Any]])?.first { $0["name"] as? String == name }
        }
        #expect(option("inputs", "http", "max_wait")?["default"] as? String == "100ms")
        #expect(option("stages", "dedupe", "within")?["default"] as? String == "60s")
        #expect(option("stages", "filter", "filter")?["required"] as? Bool == true)
        #expect(option("outputs", "http", "retries")?["default"] as? Int == 3)
        #expect(option("outputs", "file", "path")?["default"] is NSNull)
        #expect(option("hooks", "webhook", "secret_env")?["type"] as? String == "string")
        #expect(option("hooks", "exec", "timeout")?["default"] as? String == "10s")
    }

    @Test func textListsKindsWithTheirOptions() throws {
        let (status, output) = try Self.run(["components"])
        #expect(status == 0)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.filter { !$0.hasPrefix(" ") } == ["inputs:", "stages:", "outputs:", "hooks:"])
        #expect(lines.contains { $0.hasPrefix("  dedupe  drops an event") })
        #expect(lines.contains("      within (duration, default \"60s\")  how long a key is remembered"))
        #expect(lines.contains { $0.hasPrefix("      url (url, required)") })
    }
}
