import OrderedCollections
import StreamKit
import StreamdCore
import StreamdHTTP
import Testing

@Suite struct StageKindRegistryTests {
    /// A kind registered in Swift: `redact: .field` removes a field; a non-string option is refused.
    static var kinds: StageKindRegistry {
        var kinds = StageKindRegistry()
        kinds.register("redact") { options in
            guard let text = options.stringValue else { throw StageKindError("redact expects the field path to remove") }
            let field = try FieldPath(text)
            return { event, _ in
                var event = event
                _ = field.remove(from: &event)
                return event.isEmpty ? nil : event
            }
        }
        return kinds
    }

    @Test func customKindIsConfiguredAndRuns() async throws {
        let config = try ConfigLoader.parse(yaml: """
            pipelines:
              p:
                stages:
                  - name: hide
                    redact: .secret
            """, kinds: Self.kinds)
        let definition = try #require(config.pipelines.first)
        let stage = StageFactory.make(try #require(definition.stages.first), context: EvaluationContext())
        let input = Channel<Event>(capacity: 4)
        let output = Channel<Event>(capacity: 4)
        let pipeline = Pipeline.from(input).via(stage).to(output)
        try await input.send(["secret": "x", "keep": 1])
        try await input.send(["secret": "only"])
        input.close()
        try await pipeline.run()
        var events: [Event] = []
        for await event in output { events.append(event) }
        #expect(events == [["keep": 1]])
        #expect(pipeline.metrics().stages[0].filtered == 1)
    }

    @Test func customKindErrorsNameTheField() {
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "pipelines:\n  p:\n    stages:\n      - redact: 5\n", kinds: Self.kinds)
        }
        do {
            _ = try ConfigLoader.parse(yaml: "pipelines:\n  p:\n    stages:\n      - redact: 5\n", kinds: Self.kinds)
        } catch {
            #expect(error.issues.map(\.path) == ["pipelines.p.stages[0].redact"])
            #expect(error.issues.first?.message == "redact expects the field path to remove")
        }
        // Without the registration the kind is unknown.
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: "pipelines:\n  p:\n    stages:\n      - redact: .a\n") }
    }
}
