/// Stage kinds contributed by Swift code, next to the built-in ones.
///
/// A factory receives the kind's options exactly as configured (`geoip: { field: .ip }` gives
/// `{"field": ".ip"}`) and returns the per-event function, or throws a ``StageKindError`` that
/// configuration validation reports with the field path. The function returns the new event, or
/// `nil` to filter it out; throwing makes a stage failure.
///
/// ```swift
/// var kinds = StageKindRegistry()
/// kinds.register("redact") { options in
///     let field = try FieldPath(options.stringValue ?? "")
///     return { event, _ in var event = event; _ = field.remove(from: &event); return event }
/// }
/// let daemon = Daemon(config: try ConfigLoader.load(file: path, kinds: kinds), kinds: kinds)
/// ```
package struct StageKindRegistry: Sendable {
    package typealias Process = @Sendable (_ event: Event, _ context: EvaluationContext) async throws -> Event?
    package typealias Factory = @Sendable (_ options: JSONValue) throws -> Process

    private(set) var factories: [String: Factory] = [:]

    package init() {}

    /// Adds a kind. Built-in kind names cannot be taken over.
    package mutating func register(_ name: String, _ factory: @escaping Factory) {
        precondition(!ConfigLoader.stageKinds.contains(name),
                     "'\(name)' is a built-in stage kind")
        factories[name] = factory
    }

    package var names: [String] { factories.keys.sorted() }
}

/// Why a custom stage kind refused its options.
package struct StageKindError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
