// swift-tools-version:6.1
import PackageDescription

let package = Package(
    // Linux only (Glibc, /proc, epoll-era libzmq): no Apple platform is declared because none is built or tested.
    name: "swift-hpo",
    products: [
        .executable(name: "hpo-coordinator", targets: ["hpo-coordinator"]),
        .executable(name: "hpo-worker", targets: ["hpo-worker"]),
        .executable(name: "hpo", targets: ["hpo"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `hpo serve` only; without its default traits (swift-configuration, full Foundation).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0")
    ],
    targets: [
        // C libraries from Debian packages.
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK"),
        // CPUID and XCR0: which vector instructions this CPU and OS can run (the BLAS kernel choice).
        .target(name: "CCPUFeatures"),

        // Value types: space, parameters, study configuration. No I/O.
        .target(name: "HPOCore"),
        // The study file (YAML/JSON) to a validated StudyConfig, errors with file, line, field.
        .target(name: "HPOStudyFile", dependencies: ["HPOCore", .product(name: "Yams", package: "Yams")]),
        // Gaussian-process regression and expected improvement: numbers in, numbers out.
        .target(name: "HPOGaussianProcess", dependencies: ["HPOCore", "CBLAS", "CLAPACK"]),
        // Proposing configurations: grid, random, Bayesian optimisation.
        .target(name: "HPOSearch", dependencies: ["HPOCore", "HPOGaussianProcess"]),
        // The built-in trainer (an MLP over BLAS on the bundled digits) and the LR range test.
        .target(name: "HPOTraining", dependencies: ["HPOCore", "HPORuntime", "CBLAS", "CCPUFeatures"]),
        // The process runtime of the services: the self-pipe Waker, signals as events (SignalTrap), the monotonic clock.
        .target(name: "HPORuntime", dependencies: ["CBLAS", "CCPUFeatures"]),
        // Hand-written JSON for the hot paths: a strict reader and a writer that match JSONDecoder/JSONEncoder.
        .target(name: "HPOJSON", dependencies: ["HPOCore"]),
        // The protocol as types, frames, and the transport seam (+ an in-memory transport).
        .target(name: "HPOWire", dependencies: ["HPOCore", "HPOJSON", "HPORuntime"]),
        // A small safe wrapper over libzmq and the live transports.
        .target(name: "HPOZeroMQ", dependencies: ["CZeroMQ", "HPOWire", "HPORuntime"]),
        // Prometheus metrics: histograms, the text format, a tiny bounded HTTP responder on its own thread.
        .target(name: "HPOMetrics", dependencies: ["HPORuntime"]),
        // The coordinator's control address: actions (stop a trial or the study, raise the budget,
        // enqueue), their JSON messages with bounds, the client and the server's socket.
        .target(name: "HPOControl", dependencies: ["HPOCore", "HPOJSON", "HPOWire", "HPOZeroMQ", "HPORuntime"]),
        // The append-only results log: group-committed writer, tolerant reader.
        .target(name: "HPOJournal", dependencies: ["HPOCore", "HPOJSON"]),
        // Reading a results log for people: status summary, HTML report with SVG plots, export.
        .target(name: "HPOReport", dependencies: ["HPOCore", "HPOJournal"]),
        // `hpo serve`: the live page over followed results logs, Server-Sent Events, on Hummingbird.
        .target(
            name: "HPOServe",
            dependencies: [
                "HPOCore", "HPOJournal", "HPOReport", "HPOControl", "HPOZeroMQ",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log")
            ]),
        // Running one trial: built-in test functions and command trials (child processes).
        .target(name: "HPOTrials", dependencies: ["HPOCore", "HPOJSON", "HPOTraining"]),
        // The coordinator: state machine and its I/O shell.
        .target(
            name: "HPOCoordinator",
            dependencies: [
                "HPOCore", "HPOSearch", "HPOWire", "HPOJournal", "HPORuntime", "HPOMetrics", "HPOControl",
                .product(name: "Logging", package: "swift-log")
            ]),
        // The worker: state machine and its I/O shell.
        .target(
            name: "HPOWorker",
            dependencies: [
                "HPOCore", "HPOWire", "HPOTrials", "HPORuntime",
                .product(name: "Logging", package: "swift-log")
            ]),

        .executableTarget(
            name: "hpo-coordinator",
            dependencies: [
                "HPOCoordinator", "HPOStudyFile", "HPOZeroMQ", "HPOJournal", "HPOTrials", "HPOSearch", "HPOTraining",
                "HPORuntime",
                "HPOWorker", "HPOMetrics", "HPOControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log")
            ]),
        .executableTarget(
            name: "hpo-worker",
            dependencies: [
                "HPOWorker", "HPOTrials", "HPOTraining", "HPOZeroMQ", "HPORuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log")
            ]),
        .executableTarget(
            name: "hpo",
            dependencies: [
                "HPOCore", "HPOJournal", "HPOTraining", "HPOSearch", "HPOTrials", "HPOReport", "HPOServe", "HPOZeroMQ",
                "HPOWorker", "HPOWire", "HPOCoordinator", "HPORuntime", "HPOControl", "HPOStudyFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),

        .testTarget(name: "HPOCoreTests", dependencies: ["HPOCore", "HPOSearch"]),
        .testTarget(name: "HPOStudyFileTests", dependencies: ["HPOStudyFile"]),
        .testTarget(name: "HPOWireTests", dependencies: ["HPOWire", "HPOZeroMQ", "HPORuntime"]),
        .testTarget(name: "HPOJournalTests", dependencies: ["HPOJournal", "HPOJSON"]),
        .testTarget(name: "HPOTrialsTests", dependencies: ["HPOTrials"]),
        .testTarget(name: "HPOReportTests", dependencies: ["HPOReport", "HPOJournal"]),
        .testTarget(
            name: "HPOServeTests",
            dependencies: [
                "HPOServe", "HPOReport", "HPOJournal", "HPOCore", .product(name: "Hummingbird", package: "hummingbird")
            ]),
        // What more than one test target needs: a raw HTTP client that sends what browsers never would.
        .target(name: "HPOTestSupport", path: "Tests/HPOTestSupport"),
        .testTarget(name: "HPOMetricsTests", dependencies: ["HPOMetrics", "HPOTestSupport"]),
        .testTarget(name: "HPOTrainingTests", dependencies: ["HPOTraining"]),
        .testTarget(name: "HPOGaussianProcessTests", dependencies: ["HPOGaussianProcess"]),
        .testTarget(
            name: "HPOSearchTests", dependencies: ["HPOSearch", "HPOGaussianProcess", "HPOTrials", "HPORuntime"]),
        .testTarget(
            name: "HPOCoordinatorTests",
            dependencies: [
                "HPOCoordinator", "HPOWorker", "HPOWire", "HPOJournal", "HPORuntime", "HPOMetrics", "HPOControl",
                .product(name: "Logging", package: "swift-log")
            ]),
        .testTarget(
            name: "HPOEndToEndTests",
            dependencies: [
                "HPOJournal", "HPOWire", "HPOZeroMQ", "HPOSearch", "HPOCoordinator", "HPOTrials", "HPOTraining",
                "HPORuntime", "HPOMetrics", "HPOControl",
                "HPOTestSupport",
                "hpo-coordinator",
                "hpo-worker", "hpo"
            ])
    ]
)

// Strict settings for every Swift target: Swift 6 language mode (complete concurrency checking)
// plus the upcoming features the swift-server projects use.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
