import StreamdCore
import ArgumentParser
import OrderedCollections

/// `streamd components [--json]`: every input, stage, output and hook kind this streamd knows,
/// with its options, as configuration decoding sees them.
struct ComponentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "components", abstract: "List the input, stage, output and hook kinds and their options.")

    @Flag(help: "Print JSON: {\"inputs\", \"stages\", \"outputs\", \"hooks\"}, each a list of kinds with their options.")
    var json = false

    func run() {
        let catalog = ComponentRegistry.builtIn.catalog
        print(json ? JSONWriter.string(catalog) : Self.text(catalog), terminator: json ? "\n" : "")
    }

    /// One block per family; one line per kind, one indented line per option.
    static func text(_ catalog: JSONValue) -> String {
        var out = ""
        for family in ["inputs", "stages", "outputs", "hooks"] {
            out += "\(family):\n"
            for kind in catalog.objectValue?[family]?.arrayValue ?? [] {
                let kind = kind.objectValue ?? [:]
                out += "  \(kind["name"]?.stringValue ?? "")  \(kind["summary"]?.stringValue ?? "")\n"
                for option in kind["options"]?.arrayValue ?? [] {
                    let option = option.objectValue ?? [:]
                    var traits = [option["type"]?.stringValue ?? ""]
                    if option["required"] == .bool(true) { traits.append("required") }
                    if let value = option["default"], value != .null { traits.append("default \(JSONWriter.string(value))") }
                    out += "      \(option["name"]?.stringValue ?? "") (\(traits.joined(separator: ", ")))  \(option["summary"]?.stringValue ?? "")\n"
                }
            }
        }
        return out
    }
}
