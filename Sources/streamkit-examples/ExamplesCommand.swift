import StreamKitExamples

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The command-line logic, kept out of main.swift: closures written at the top level there are
/// `@MainActor`, and the log closure is called from the examples' worker tasks.
enum ExamplesCommand {
    /// `streamkit-examples [--list | NAME...]`; returns the process exit code.
    @concurrent
    static func run(_ arguments: [String]) async -> Int32 {
        let examples = SeedExamples.all
        if arguments.contains("--list") || arguments.contains("-l") {
            let width = examples.map(\.name.count).max() ?? 0
            for example in examples {
                print(example.name + String(repeating: " ", count: width - example.name.count + 2) + example.summary)
            }
            return 0
        }
        if arguments.contains("--help") || arguments.contains("-h") {
            print("usage: streamkit-examples [--list | NAME...]   (no NAME runs every example)")
            return 0
        }

        let unknown = arguments.filter { name in !examples.contains { $0.name == name } }
        guard unknown.isEmpty else {
            printError("streamkit-examples: unknown example \(unknown.map { "'\($0)'" }.joined(separator: ", ")); try --list")
            return 2
        }
        let selected = arguments.isEmpty ? examples : arguments.map { name in examples.first { $0.name == name }! }

        let log: @Sendable (String) -> Void = { line in print(line) }
        for (index, example) in selected.enumerated() {
            if index > 0 { print("") }
            print("=== \(example.name): \(example.summary) ===")
            do {
                try await example.run(log)
            } catch {
                printError("streamkit-examples: \(example.name) failed: \(error)")
                return 1
            }
        }
        return 0
    }

    /// One line on standard error, written to the file descriptor directly (Swift 6 treats the
    /// C `stderr` global as unsafe shared state).
    static func printError(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }
}
