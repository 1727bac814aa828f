import Foundation
import Testing

/// `make help` (issue 10, defect 6): one line per target, with real line breaks, naming every
/// target the Makefile declares phony, so a new target without a description is noticed.
@Suite struct MakefileHelpTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `make` with `arguments` in the package root; its exit status and standard output.
    static func make(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["make", "--no-print-directory", "-s", "-C", root.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The targets of the Makefile's `.PHONY:` line.
    static func phonyTargets() throws -> [String] {
        let makefile = try String(contentsOf: root.appendingPathComponent("Makefile"), encoding: .utf8)
        let line = makefile.split(separator: "\n").first { $0.hasPrefix(".PHONY:") } ?? ""
        return line.dropFirst(".PHONY:".count).split(separator: " ").map(String.init)
    }

    @Test func helpListsEveryTargetOnItsOwnLine() throws {
        let (status, output) = try Self.make(["help"])
        #expect(status == 0, "make help exited \(status): \(output)")
        #expect(!output.contains("\\n"), "a literal \\n in: \(output)")
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let described = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
        let targets = try Self.phonyTargets()
        #expect(targets.contains("help"))
        for target in targets {
            #expect(described.contains(target), "make help does not list '\(target)': \(output)")
        }
        // Every listed target comes with a description after its name.
        for line in lines where !line.isEmpty && !line.hasSuffix(":") {
            #expect(line.split(separator: " ", omittingEmptySubsequences: true).count >= 2, "no description: '\(line)'")
        }
    }
}
