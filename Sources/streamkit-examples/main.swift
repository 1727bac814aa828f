#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// All logic lives in ExamplesCommand (nonisolated); see there for why.
exit(await ExamplesCommand.run(Array(CommandLine.arguments.dropFirst())))
