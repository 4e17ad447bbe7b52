// swift-tools-version:6.2
// seq2seq: an attention encoder-decoder translator in pure Swift. No package dependencies.
import PackageDescription

// The vector units: SIMD8<Float>.addProduct must become one fused multiply-add instruction, not a call to fmaf per
// lane (measured: a quarter of training time). arm64 has NEON and FMA in its baseline; x86-64 needs AVX2 and FMA
// switched on (every x86-64 CPU since 2013–2015 has them). Package.swift runs on the build machine, so #if arch
// picks the build's own architecture.
#if arch(x86_64)
let vectorUnits: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
#else
let vectorUnits: [SwiftSetting] = []
#endif

let package = Package(
    name: "seq2seq",
    // macOS 15 for the Synchronization module (the worker pool's atomics); Linux has it with the toolchain.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Seq2SeqCore", targets: ["Seq2SeqCore"]),
        .executable(name: "seq2seq", targets: ["seq2seq"]),
    ],
    targets: [
        // MARK: - Library: the model, its data path and everything reusable
        .target(name: "Seq2SeqCore", swiftSettings: vectorUnits),

        // MARK: - Executable: parses, calls the library, prints
        .executableTarget(name: "seq2seq", dependencies: ["Seq2SeqCore"]),

        // MARK: - Tests
        .testTarget(name: "Seq2SeqCoreTests", dependencies: ["Seq2SeqCore"]),
        // Depending on the executable makes `swift test` build the `seq2seq` binary first; the tests run it.
        .testTarget(name: "Seq2SeqCLITests", dependencies: ["seq2seq", "Seq2SeqCore"]),
    ]
)
