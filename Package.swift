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
        .executable(name: "streamkit-examples", targets: ["streamkit-examples"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
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
        .testTarget(
            name: "StreamKitTests",
            dependencies: ["StreamKit", "StreamKitTesting", "StreamKitExamples"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
