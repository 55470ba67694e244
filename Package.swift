// swift-tools-version:6.0
import PackageDescription

// Linux only: the ZeroMQ wrapper waits on libzmq with eventfd(2), and CI builds and tests on Debian. Every target
// names each module it imports.
let package = Package(
    name: "kaoping",
    products: [
        .executable(name: "kaoping", targets: ["kaoping"]),
        .executable(name: "kaoping-aggregator", targets: ["kaoping-aggregator"]),
        .executable(name: "kaoping-agent", targets: ["kaoping-agent"]),
        .executable(name: "kaoping-web", targets: ["kaoping-web"]),
        .library(name: "KaopingCore", targets: ["KaopingCore"]),
        .library(name: "KaopingWire", targets: ["KaopingWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // Ed25519 verification: Debian's libsodium, faster than swift-crypto's (docs/benchmarks.md).
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // The web console's .xlsx downloads: Debian's libxlsxwriter.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),

        // MARK: Libraries
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        // The aggregator's allocator: jemalloc, with the options in malloc_conf.c.
        .target(name: "CJemalloc", linkerSettings: [.linkedLibrary("jemalloc")]),
        .target(
            name: "KaopingCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "KaopingWire",
            dependencies: [
                "CSodium",
                "KaopingCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "KaopingStore",
            dependencies: [
                "KaopingCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "KaopingAggregator",
            dependencies: [
                "KaopingCore",
                "KaopingWire",
                "KaopingStore",
                "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KaopingClient",
            dependencies: [
                "KaopingCore", "KaopingWire", "ZeroMQ", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // `--log-level` and swift-log's set-up, for the daemons and the agent's commands.
        .target(
            name: "KaopingLogging",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KaopingAgent",
            dependencies: [
                "KaopingClient",
                "KaopingCore",
                "KaopingLogging",
                "KaopingStore",
                "KaopingWire",
                "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "KaopingCLI",
            dependencies: [
                "KaopingAccounts",
                "KaopingAudit",
                "KaopingClient",
                "KaopingCore",
                "KaopingStore",
                "KaopingWire",
                "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),

        // The web console's accounts file, read by the console and kept by `kaoping web users`.
        .target(
            name: "KaopingAccounts",
            dependencies: [.product(name: "HummingbirdBcrypt", package: "hummingbird-auth")]
        ),
        // Reading a store's audit log with the submissions it names: `kaoping audit history` and the console.
        .target(name: "KaopingAudit", dependencies: ["KaopingCore", "KaopingStore", "KaopingWire"]),
        .target(
            name: "KaopingWeb",
            dependencies: [
                "CXlsxWriter",
                "KaopingAccounts",
                "KaopingAudit",
                "KaopingClient",
                "KaopingCore",
                "KaopingLogging",
                "KaopingStore",
                "KaopingWire",
                "ZeroMQ",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
        ),

        // MARK: Executables
        .executableTarget(name: "kaoping", dependencies: ["KaopingCLI"]),
        .executableTarget(
            name: "kaoping-agent",
            dependencies: ["KaopingAgent"]
        ),
        .executableTarget(name: "kaoping-web", dependencies: ["KaopingWeb"]),
        .executableTarget(
            name: "kaoping-bench",
            dependencies: [
                "CSodium",
                "KaopingCore",
                "KaopingStore",
                "KaopingWire",
                "ZeroMQ",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "kaoping-fuzz",
            dependencies: [
                "KaopingAgent", "KaopingCore", "KaopingWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "kaoping-aggregator",
            dependencies: [
                "KaopingAggregator", "KaopingLogging", "CJemalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Tests
        .target(name: "KaopingTestSupport", dependencies: ["KaopingCore"], path: "Tests/Support"),
        .testTarget(name: "CZeroMQTests", dependencies: ["CZeroMQ"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "KaopingCoreTests", dependencies: ["KaopingCore"]),
        .testTarget(
            name: "KaopingWireTests",
            dependencies: [
                "KaopingCore", "KaopingWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "KaopingStoreTests",
            dependencies: [
                "KaopingCore", "KaopingStore", "KaopingTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "KaopingAggregatorTests",
            dependencies: [
                "KaopingAggregator", "KaopingClient", "KaopingCore", "KaopingStore", "KaopingWire", "ZeroMQ",
                "kaoping-aggregator", "kaoping-agent", "kaoping", "KaopingTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "KaopingAgentTests",
            dependencies: [
                "KaopingAgent", "KaopingClient", "KaopingCore", "KaopingStore", "KaopingWire", "KaopingTestSupport",
                "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "KaopingWebTests",
            dependencies: [
                "KaopingAccounts", "KaopingCore", "KaopingStore", "KaopingTestSupport", "KaopingWeb", "KaopingWire",
            ]
        ),
        .testTarget(
            name: "KaopingCLITests",
            dependencies: [
                "KaopingAccounts", "KaopingAudit", "KaopingCLI", "KaopingCore", "KaopingStore", "KaopingWire",
                "kaoping", "KaopingTestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
