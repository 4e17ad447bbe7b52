// swift-tools-version:6.0
// seq2seq: an attention encoder-decoder translator in pure Swift. No package dependencies.
import PackageDescription

let package = Package(
    name: "seq2seq",
    products: [
        .library(name: "Seq2SeqCore", targets: ["Seq2SeqCore"]),
        .executable(name: "seq2seq", targets: ["seq2seq"]),
    ],
    targets: [
        // MARK: - Library: the model, its data path and everything reusable
        .target(name: "Seq2SeqCore"),

        // MARK: - Executable: parses, calls the library, prints
        .executableTarget(name: "seq2seq", dependencies: ["Seq2SeqCore"]),

        // MARK: - Tests
        .testTarget(name: "Seq2SeqCoreTests", dependencies: ["Seq2SeqCore"]),
    ]
)
