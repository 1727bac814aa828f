// swift-tools-version: 6.0
import PackageDescription

/// Settings shared by every target: Swift 6 mode with strict concurrency (the default in 6),
/// plus the upcoming features the project writes its code for.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "streamd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StreamKit", targets: ["StreamKit"]),
        .library(name: "StreamKitTesting", targets: ["StreamKitTesting"]),
        .library(name: "StreamdCore", targets: ["StreamdCore"]),
        .library(name: "StreamdHTTP", targets: ["StreamdHTTP"]),
        .executable(name: "streamkit-examples", targets: ["streamkit-examples"]),
        .executable(name: "streamd", targets: ["streamd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "StreamKit",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        .target(name: "StreamKitTesting", dependencies: ["StreamKit"], swiftSettings: swiftSettings),
        .target(
            name: "StreamKitExamples",
            dependencies: ["StreamKit", "StreamKitTesting"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "streamkit-examples",
            dependencies: ["StreamKitExamples"],
            swiftSettings: swiftSettings
        ),
        // The only place that knows libmicrohttpd (Debian: libmicrohttpd-dev) and zlib (zlib1g-dev).
        .target(name: "CHttp", linkerSettings: [.linkedLibrary("microhttpd"), .linkedLibrary("z")]),
        // The daemon's domain: events and JSON, expressions, configuration, stages, outputs,
        // hooks, the pipeline registry and runtime. Knows neither HTTP nor the command line.
        .target(
            name: "StreamdCore",
            dependencies: [
                "StreamKit",
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP server (over CHttp), the router and the API's handlers.
        .target(
            name: "StreamdHTTP",
            dependencies: ["StreamdCore", "StreamKit", "CHttp", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The command line and the wiring of the daemon's parts.
        .executableTarget(
            name: "streamd",
            dependencies: [
                "StreamdCore",
                "StreamdHTTP",
                "StreamKit",
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // A tiny HTTP/1.1 listener that records requests: the receiving end of webhooks and the
        // http output in tests.
        .target(name: "TestHTTPListener", path: "Tests/Support/TestHTTPListener", swiftSettings: swiftSettings),
        .testTarget(
            name: "StreamdTests",
            dependencies: [
                "StreamKitTesting",
                "StreamdCore", "StreamdHTTP", "TestHTTPListener", .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // Black-box tests of the real binary over HTTP (built by `swift test` as a product); Crypto
        // checks webhook signatures independently of the daemon's code.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestHTTPListener", "streamd", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StreamKitTests",
            dependencies: ["StreamKit", "StreamKitTesting", "StreamKitExamples"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
