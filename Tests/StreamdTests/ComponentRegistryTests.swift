import OrderedCollections
import StreamKit
import StreamdCore
import Synchronization
import Testing

/// A stage kind written outside streamd: `redact: .field` removes a field, and drops an event
/// left empty. One type and one `register` call make it usable from YAML.
struct RedactStage: EventStageKind {
    static let name = "redact"
    static let summary = "removes a field"
    static let options = [ComponentOption(name, .fieldPath, required: true, "the field to remove")]

    let field: FieldPath

    static func configure(_ options: inout ComponentOptions) -> Self? {
        guard let text = options.json.stringValue, let field = try? FieldPath(text) else {
            options.issue("redact expects the field path to remove")
            return nil
        }
        return Self(field: field)
    }

    func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let field = field
        return settings.stage { event in
            var event = event
            _ = field.remove(from: &event)
            return event.isEmpty ? nil : event
        }
    }
}

/// An output written outside streamd: keeps every event in a box named by `box:`.
struct CollectOutput: OutputKind {
    static let name = "collect"
    static let summary = "keeps events in memory, for tests"
    static let box = ComponentOption("box", .string, required: true, "the box's name")
    static let prefix = ComponentOption("prefix", .string, default: "", "prepended to each event's .tag")
    static let options = [box, prefix]

    /// Events written, by box name.
    static let boxes = Mutex<[String: [Event]]>([:])

    let box: String
    let prefix: String

    static func configure(_ options: inout ComponentOptions) -> Self? {
        guard let box = options.string(box) else {
            options.issue("collect needs a box")
            return nil
        }
        return Self(box: box, prefix: options.string(prefix) ?? "")
    }

    func makeSink(_ context: OutputContext) -> any OutputSink { Sink(box: box, prefix: prefix) }

    struct Sink: OutputSink {
        let box: String
        let prefix: String
        var label: String { "collect:\(box)" }

        func write(_ events: [Event]) async throws {
            let tagged = events.map { event in
                var event = event
                if let tag = event["tag"]?.stringValue { event["tag"] = .string(prefix + tag) }
                return event
            }
            CollectOutput.boxes.withLock { $0[box, default: []] += tagged }
        }
    }
}

/// An input written outside streamd: sends `count` numbered events, then ends.
struct CountInput: InputKind {
    static let name = "count"
    static let summary = "sends numbered events"
    static let count = ComponentOption("count", .integer, default: 3, "how many")
    static let options = [count]

    let count: Int

    static func configure(_ options: inout ComponentOptions) -> Self? {
        options.integer(count, in: 1...1000).map(Self.init)
    }

    func run(_ inlet: PipelineInlet) async throws {
        try await inlet.send((1...count).map { ["n": .number(Double($0)), "secret": "x", "tag": .string("t\($0)")] })
    }
}

@Suite struct ComponentRegistryTests {
    static var components: ComponentRegistry {
        var components = ComponentRegistry.builtIn
        components.register(RedactStage.self)
        components.register(CollectOutput.self)
        components.register(CountInput.self)
        return components
    }

    /// Every part registered from Swift, in a pipeline written in YAML, run by the real runtime.
    @Test func customInputStageAndOutputRunFromYAML() async throws {
        let box = "run-\(UInt32.random(in: 0...UInt32.max))"
        let config = try ConfigLoader.parse(yaml: """
            pipelines:
              p:
                inputs:
                  - count: { count: 4 }
                stages:
                  - name: hide
                    redact: .secret
                  - filter: '.n != 2'
                outputs:
                  - collect: { box: \(box), prefix: "x-" }
                  - memory: { capacity: 10 }
            """, components: Self.components)
        let definition = try #require(config.pipelines.first)
        #expect(definition.stages.first?.kind is RedactStage)
        let runtime = PipelineRuntime(definition: definition, context: .system)
        runtime.start()
        // The input has sent everything once the stages have seen four events.
        while runtime.metrics().stages.first?.received ?? 0 < 4 { await Task.yield() }
        #expect(await runtime.stop(within: .seconds(30)))
        let collected = CollectOutput.boxes.withLock { $0[box] ?? [] }
        #expect(collected == [["n": 1, "tag": "x-t1"], ["n": 3, "tag": "x-t3"], ["n": 4, "tag": "x-t4"]])
        #expect(runtime.memory?.latest(10).count == 3, "built-in and custom outputs side by side")
        #expect(runtime.metrics().outputs.map(\.label) == ["collect:\(box)", "memory"])
    }

    @Test func customKindProblemsNameTheirField() {
        func issues(_ yaml: String) -> [ConfigIssue] {
            do {
                _ = try ConfigLoader.parse(yaml: yaml, components: Self.components)
                return []
            } catch {
                return error.issues
            }
        }
        #expect(issues("pipelines:\n  p:\n    stages:\n      - redact: 5\n").map(\.description) == [
            "line 4, pipelines.p.stages[0].redact: redact expects the field path to remove",
        ])
        #expect(issues("pipelines:\n  p:\n    outputs:\n      - collect: { bx: a }\n").map(\.message) == [
            "collect needs a box", "unknown key; did you mean 'box'?",
        ])
        #expect(issues("pipelines:\n  p:\n    inputs:\n      - count: { count: 0 }\n").map(\.message) == [
            "expected a whole number from 1 to 1000, got 0",
        ])
        #expect(issues("pipelines:\n  p:\n    inputs:\n      - http: {}\n").map(\.message) == [
            "HTTP ingest is built into every pipeline; configure it under ingest:",
        ])
        // Messages list the registered kinds with the built-in ones.
        #expect(issues("pipelines:\n  p:\n    stages:\n      - name: x\n").map(\.message) == [
            "a stage needs exactly one of filter, set, remove, rename, parse_timestamp, lookup, sample, dedupe, window, alert, redact",
        ])
        #expect(issues("pipelines:\n  p:\n    outputs:\n      - kafka: {}\n").map(\.message) == [
            "unknown output; use memory, file, stdout, http or collect",
        ])
        // Without the registration the kinds are unknown.
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: "pipelines:\n  p:\n    stages:\n      - redact: .a\n") }
    }

    /// `streamd components --json` lists what the registry holds, defaults included.
    @Test func catalogListsEveryKindWithItsOptions() throws {
        let catalog = try #require(Self.components.catalog.objectValue)
        let names = { (family: String) in catalog[family]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } ?? [] }
        #expect(names("inputs") == ["http", "count"])
        #expect(names("stages") == ["filter", "set", "remove", "rename", "parse_timestamp", "lookup", "sample", "dedupe", "window", "alert", "redact"])
        #expect(names("outputs") == ["memory", "file", "stdout", "http", "collect"])
        #expect(names("hooks") == ["webhook", "exec", "log"])
        let collect = try #require(catalog["outputs"]?.arrayValue?.last?.objectValue)
        #expect(collect["summary"] == "keeps events in memory, for tests")
        #expect(collect["options"] == [
            ["name": "box", "type": "string", "default": nil, "required": true, "summary": "the box's name"],
            ["name": "prefix", "type": "string", "default": "", "required": false, "summary": "prepended to each event's .tag"],
        ])
    }
}

/// The options a kind declares are the keys its decoder reads: a declared key is never
/// "unknown", and an undeclared one always is.
@Suite struct DeclaredOptionsTests {
    static func issues(_ yaml: String) -> [ConfigIssue] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml)
            return []
        } catch {
            return error.issues
        }
    }

    /// `family` placed in a configuration with `body` as the kind's value.
    static func yaml(family: String, kind: String, body: String) -> String {
        switch family {
        case "stages": "pipelines:\n  p:\n    stages:\n      - \(kind): \(body)\n"
        case "outputs": "pipelines:\n  p:\n    outputs:\n      - \(kind): \(body)\n"
        case "hooks": "hooks:\n  h:\n    \(kind): \(body)\n"
        default: "pipelines:\n  p:\n    ingest: \(body)\n"
        }
    }

    @Test func everyDeclaredOptionIsReadAndNoOtherIs() throws {
        let registry = ComponentRegistry.builtIn
        let families: [(String, [(name: String, options: [ComponentOption])])] = [
            ("inputs", [(HTTPIngest.name, HTTPIngest.options)]),
            ("stages", registry.stages.map { ($0.name, $0.options) }),
            ("outputs", registry.outputs.map { ($0.name, $0.options) }),
            ("hooks", registry.hooks.map { ($0.name, $0.options) }),
        ]
        for (family, kinds) in families {
            for kind in kinds where !(kind.options.count == 1 && kind.options[0].name == kind.name) && !kind.options.isEmpty {
                for option in kind.options {
                    let found = Self.issues(Self.yaml(family: family, kind: kind.name, body: "{ \(option.name): null }"))
                    #expect(!found.contains { $0.message.hasPrefix("unknown key") }, "\(family) \(kind.name).\(option.name): \(found)")
                }
                let found = Self.issues(Self.yaml(family: family, kind: kind.name, body: "{ not_an_option: 1 }"))
                #expect(found.contains { $0.message.hasPrefix("unknown key") && $0.path.hasSuffix(".not_an_option") }, "\(family) \(kind.name): \(found)")
            }
        }
    }
}
