// swift-tools-version: 6.0
import PackageDescription

// Benchmarks live in their own package so that `make test` never builds them and the library
// does not depend on swift-async-algorithms (only its baseline here does).
// A path dependency's identity is its folder's name, which depends on where the repository was
// cloned; derive it instead of assuming one.
let rootPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "streamd")

let package = Package(
    name: "streamkit-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "streamkit-bench",
            dependencies: [
                .product(name: "StreamKit", package: rootPackage),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
