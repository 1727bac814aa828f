// `streamkit-bench [P1 P2 P3 P4]`: runs the named benchmarks (all by default) and prints one
// BENCH line each. Every figure is the best of three runs, next to a baseline from the same run.
let selected = Set(CommandLine.arguments.dropFirst().map { $0.uppercased() })
func wants(_ id: String) -> Bool { selected.isEmpty || selected.contains(id) }

if wants("P1") { try await P1.run(items: 5_000_000, runs: 3) }
if wants("P2") { try await P2.run(items: 20_000_000, runs: 3) }
if wants("P3") { try await P3.run(items: 5_000_000, runs: 3) }
if wants("P4") { try await P4.run(events: 5_000_000, runs: 3) }
