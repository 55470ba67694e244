// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "kaoping",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kaoping", targets: ["kaoping"]),
        .library(name: "KaopingCore", targets: ["KaopingCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),

        // MARK: Libraries
        .target(
            name: "KaopingCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "KaopingCLI",
            dependencies: [
                "KaopingCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Executables
        .executableTarget(name: "kaoping", dependencies: ["KaopingCLI"]),

        // MARK: Tests
        .testTarget(name: "CZeroMQTests", dependencies: ["CZeroMQ"]),
        .testTarget(name: "KaopingCoreTests", dependencies: ["KaopingCore"]),
        .testTarget(name: "KaopingCLITests", dependencies: ["KaopingCLI", "kaoping"]),
    ],
    swiftLanguageModes: [.v6]
)
