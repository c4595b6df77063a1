// swift-tools-version: 6.0
import PackageDescription

// Target split follows DESIGN.md §2; see README "Architecture" for the reasons.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// The numerical core is optimised in debug builds too: `swift run dayzero` (the README's main
// job) and `swift test` fit thousands of mixed models, which run about ten times slower
// unoptimised. -O keeps IEEE semantics (no fast-math, no reassociation), so the numbers are the
// same as unoptimised code's; only the debugger sees less of these two modules.
let numericalSettings: [SwiftSetting] = swiftSettings + [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "DayZero",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dayzero", targets: ["dayzero"]),
        .library(name: "DayZeroStats", targets: ["DayZeroStats"]),
        .library(name: "DayZeroCohort", targets: ["DayZeroCohort"]),
        .library(name: "DayZeroStore", targets: ["DayZeroStore"]),
        .library(name: "DayZeroSynth", targets: ["DayZeroSynth"]),
        .library(name: "DayZeroAnalysis", targets: ["DayZeroAnalysis"]),
        .library(name: "DayZeroReport", targets: ["DayZeroReport"]),
        .library(name: "DayZeroCLI", targets: ["DayZeroCLI"]),
        .library(name: "DayZeroSources", targets: ["DayZeroSources"]),
        .library(name: "DayZeroPrivacy", targets: ["DayZeroPrivacy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        // The OMOP source reads PostgreSQL through PostgresNIO (docs/sources.md).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
    ],
    targets: [
        // Numerics only: no cohort knowledge, no Foundation.
        .target(name: "DayZeroStats", swiftSettings: numericalSettings),
        // The domain: patients, parameters and units, the study tables, protocol, alignment.
        .target(
            name: "DayZeroCohort",
            dependencies: [
                "DayZeroStats", .product(name: "Yams", package: "Yams"),
                // SHA-256 of the study's tables (provenance).
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // CSV reading/writing, validation, the SQLite study store.
        .target(
            name: "DayZeroStore",
            dependencies: [
                "DayZeroCohort",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API (shipped with GRDB) for the bulk-insert fast path.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The workup: turns a cohort + protocol into typed results.
        .target(
            name: "DayZeroAnalysis",
            dependencies: ["DayZeroStats", "DayZeroCohort", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // HTML + inline SVG rendering of results; no statistics in here.
        .target(name: "DayZeroReport", dependencies: ["DayZeroAnalysis", "DayZeroCohort"], swiftSettings: swiftSettings),
        // The calibrated synthetic cohort.
        .target(name: "DayZeroSynth", dependencies: ["DayZeroCohort"], swiftSettings: swiftSettings),
        // Real sources beside the CSV folder: the OMOP CDM 5.4 writer (from the synthetic cohort)
        // and reader (PostgreSQL), with its mapping file; docs/sources.md.
        .target(
            name: "DayZeroSources",
            dependencies: [
                "DayZeroCohort", "DayZeroStore", "DayZeroSynth",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Multi-site privacy: X25519 site keys, pairwise-mask secure aggregation, the disclosure
        // scan of summary files (docs/multi-site-secure-aggregation.md). Crypto only.
        .target(
            name: "DayZeroPrivacy",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Commands, testable in-process.
        .target(
            name: "DayZeroCLI",
            dependencies: [
                "DayZeroStats", "DayZeroCohort", "DayZeroStore", "DayZeroSynth", "DayZeroAnalysis", "DayZeroReport",
                "DayZeroSources", "DayZeroPrivacy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "dayzero", dependencies: ["DayZeroCLI"], swiftSettings: swiftSettings),
        // Benchmark harness (run in release mode; see docs/performance.md). Not a test.
        .executableTarget(
            name: "dayzero-bench",
            dependencies: ["DayZeroStats", "DayZeroCohort", "DayZeroStore", "DayZeroSynth", "DayZeroAnalysis", "DayZeroReport"],
            path: "Sources/DayZeroBench",
            swiftSettings: swiftSettings
        ),
        // Fuzz targets (docs/fuzzing.md): the study-folder import and the protocol reader as
        // functions of bytes. Replayed over the corpus by DayZeroFuzzTests; run under libFuzzer
        // by the two executables below, which are real fuzzers only when scripts/fuzz.sh builds
        // them (-DDAYZERO_FUZZ -sanitize=fuzzer,address) and a stub otherwise.
        .target(name: "DayZeroFuzzTargets", dependencies: ["DayZeroCohort", "DayZeroStore"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "dayzero-fuzz-csv", dependencies: ["DayZeroFuzzTargets"], path: "Tests/Fuzz/Harness/CSV",
            // @_extern(c) declares libFuzzer's driver (only in the fuzz build, -DDAYZERO_FUZZ).
            swiftSettings: swiftSettings + [.enableExperimentalFeature("Extern")]
        ),
        .executableTarget(
            name: "dayzero-fuzz-protocol", dependencies: ["DayZeroFuzzTargets"], path: "Tests/Fuzz/Harness/Protocol",
            // @_extern(c) declares libFuzzer's driver (only in the fuzz build, -DDAYZERO_FUZZ).
            swiftSettings: swiftSettings + [.enableExperimentalFeature("Extern")]
        ),
        // Shared test helpers: approximate comparison, fixture loading.
        .target(
            name: "DayZeroTestSupport",
            path: "Tests/DayZeroTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroStatsTests",
            dependencies: ["DayZeroStats", "DayZeroTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroCohortTests",
            dependencies: ["DayZeroCohort", "DayZeroTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroStoreTests",
            // GRDB: the hardening tests alter a store behind DayZero's back.
            dependencies: ["DayZeroStore", "DayZeroSynth", "DayZeroTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroSynthTests",
            dependencies: ["DayZeroSynth", "DayZeroCohort", "DayZeroTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroAnalysisTests",
            dependencies: ["DayZeroAnalysis", "DayZeroSynth", "DayZeroStore", "DayZeroPrivacy", "DayZeroTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroReportTests",
            dependencies: ["DayZeroReport", "DayZeroAnalysis", "DayZeroCohort", "DayZeroSynth", "DayZeroTestSupport"],
            exclude: ["__Snapshots__"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroFuzzTests",
            dependencies: ["DayZeroFuzzTargets", "DayZeroStore", "DayZeroCohort", "DayZeroTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroSourcesTests",
            dependencies: [
                "DayZeroSources", "DayZeroStore", "DayZeroSynth", "DayZeroCohort", "DayZeroAnalysis", "DayZeroCLI",
                "DayZeroTestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroPrivacyTests",
            // Crypto: the protocol recomputed from its documentation (ProtocolSpecTests).
            dependencies: ["DayZeroPrivacy", "DayZeroTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DayZeroCLITests",
            dependencies: ["DayZeroCLI", "DayZeroStore", "DayZeroSynth", "DayZeroAnalysis", "DayZeroReport", "DayZeroCohort", "DayZeroPrivacy",
                "DayZeroTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
