// Entry point. All logic lives in nonisolated types in other files: a C callback or closure
// written at the top level here would be @MainActor and trap when libmicrohttpd calls it.
import ArgumentParser

await StreamdCommand.main()
