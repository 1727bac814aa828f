/// Every component kind a daemon knows, by family: the built-in ones (``builtIn``) and those
/// registered from Swift. Configuration decoding, `PUT …?dry_run=true` and `streamd components`
/// all read it, so a kind registered here is usable everywhere at once.
///
/// ```swift
/// var components = ComponentRegistry.builtIn
/// components.register(RedactStage.self)
/// components.register(KafkaOutput.self)
/// ```
public struct ComponentRegistry: Sendable {
    package private(set) var inputs: [any InputKind.Type] = []
    package private(set) var stages: [any StageKind.Type] = []
    package private(set) var outputs: [any OutputKind.Type] = []
    package private(set) var hooks: [any HookKind.Type] = []

    /// A registry with no kinds at all (``builtIn`` has streamd's own).
    public init() {}

    public mutating func register(_ kind: any InputKind.Type) {
        Self.checkUnique(kind, among: [HTTPIngest.name] + inputs.map { $0.name }, family: "input")
        inputs.append(kind)
    }

    public mutating func register(_ kind: any StageKind.Type) {
        Self.checkUnique(kind, among: stages.map { $0.name }, family: "stage")
        stages.append(kind)
    }

    public mutating func register(_ kind: any OutputKind.Type) {
        Self.checkUnique(kind, among: outputs.map { $0.name }, family: "output")
        outputs.append(kind)
    }

    public mutating func register(_ kind: any HookKind.Type) {
        Self.checkUnique(kind, among: hooks.map { $0.name }, family: "hook")
        hooks.append(kind)
    }

    /// Two kinds of one family with one name would make configuration ambiguous.
    private static func checkUnique(_ kind: any Component.Type, among names: [String], family: String) {
        precondition(!names.contains(kind.name), "there is already a \(family) kind named '\(kind.name)'")
    }

    package func stage(named name: String) -> (any StageKind.Type)? { stages.first { $0.name == name } }
    package func output(named name: String) -> (any OutputKind.Type)? { outputs.first { $0.name == name } }
    package func hook(named name: String) -> (any HookKind.Type)? { hooks.first { $0.name == name } }
    package func input(named name: String) -> (any InputKind.Type)? { inputs.first { $0.name == name } }

    /// What `streamd components --json` prints: every kind with its options, by family (HTTP
    /// ingest first among the inputs: every pipeline has it).
    package var catalog: JSONValue {
        [
            "inputs": .array([HTTPIngest.catalogEntry] + inputs.map { $0.catalogEntry }),
            "stages": .array(stages.map { $0.catalogEntry }),
            "outputs": .array(outputs.map { $0.catalogEntry }),
            "hooks": .array(hooks.map { $0.catalogEntry }),
        ]
    }
}
