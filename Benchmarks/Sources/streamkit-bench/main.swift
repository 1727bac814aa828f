// `streamkit-bench [P1 P2 ...]`: runs the named benchmarks (all by default) and prints BENCH lines.
let selected = Set(CommandLine.arguments.dropFirst().map { $0.uppercased() })
func wants(_ id: String) -> Bool { selected.isEmpty || selected.contains(id) }

if wants("P1") { try await P1.run(items: 10_000_000, runs: 3) }
