// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "validated",
    products: [
        .executable(name: "validated", targets: ["validated"]),
        .executable(name: "validatectl", targets: ["validatectl"]),
        .library(name: "ValidatedCore", targets: ["ValidatedCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Pure analytics: explainers, statistics, verdict policy, parsers of text. No file, process or database access.
        .target(name: "ValidatedCore"),

        // Edges.
        .target(name: "ValidatedModels", dependencies: ["ValidatedCore"]),
        .target(name: "ValidatedRuntime", dependencies: ["ValidatedCore", "ValidatedModels"]),
        .target(
            name: "ValidatedStore",
            dependencies: [
                "ValidatedCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "ValidatedWatch"),
        .systemLibrary(
            name: "CValidatedSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "ValidatedSystemd",
            dependencies: ["CValidatedSystemd", .product(name: "Logging", package: "swift-log")]
        ),

        // Composition.
        .target(
            name: "ValidatedDaemon",
            dependencies: [
                "ValidatedCore", "ValidatedModels", "ValidatedRuntime", "ValidatedStore", "ValidatedWatch",
                "ValidatedSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "ValidatedCtl",
            dependencies: [
                "ValidatedCore", "ValidatedModels", "ValidatedRuntime", "ValidatedStore", "ValidatedSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "validated",
            dependencies: [
                "ValidatedDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "validatectl",
            dependencies: ["ValidatedCtl", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Speed targets beside their references: swift run -c release validated-benchmarks --help
        .executableTarget(
            name: "validated-benchmarks",
            dependencies: [
                "ValidatedCore", "ValidatedModels", "ValidatedStore", "ValidatedSystemd", "ValidatedTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Test support: real journald, a real notify socket, deadlines, fixtures and binaries.
        .target(name: "ValidatedTestSupport", dependencies: ["ValidatedCore"]),

        .testTarget(name: "ValidatedCoreTests", dependencies: ["ValidatedCore", "ValidatedTestSupport"]),
        .testTarget(
            name: "ValidatedModelsTests",
            dependencies: ["ValidatedCore", "ValidatedModels", "ValidatedTestSupport"]
        ),
        .testTarget(
            name: "ValidatedRuntimeTests",
            dependencies: ["ValidatedCore", "ValidatedModels", "ValidatedRuntime", "ValidatedTestSupport"]
        ),
        .testTarget(
            name: "ValidatedStoreTests",
            dependencies: ["ValidatedCore", "ValidatedStore", "ValidatedTestSupport"]
        ),
        .testTarget(name: "ValidatedWatchTests", dependencies: ["ValidatedWatch", "ValidatedTestSupport"]),
        .testTarget(
            name: "ValidatedSystemdTests",
            dependencies: [
                "ValidatedSystemd", "ValidatedTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ValidatedCtlTests",
            dependencies: [
                "ValidatedCore", "ValidatedCtl", "ValidatedStore", "ValidatedTestSupport", "validated", "validatectl",
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ValidatedCore", "ValidatedCtl", "ValidatedStore", "ValidatedTestSupport", "validated", "validatectl",
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
