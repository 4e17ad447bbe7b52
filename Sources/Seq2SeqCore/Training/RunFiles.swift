// RunFiles.swift — the files one training run owns (checkpoint, resume state, log, kept checkpoints, curves) and
// what keeps them safe: a check before the first step that they can be written and are none of the inputs, an
// exclusive lock so two runs never write them at once, the removal of temporary files a killed run left behind,
// and a fingerprint of the corpus so that a run is resumed only on the data it started with. Stage [8].

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a run trained and validated on: the pairs of each split and a fingerprint of their text, stored in the resume
/// state so that `--resume` refuses another corpus instead of silently training on it.
public struct CorpusFingerprint: Codable, Equatable, Sendable {
    /// One split's fingerprint: its pair count and a hash of every pair.
    public struct Split: Codable, Equatable, Sendable {
        /// Pairs in the split.
        public var pairs: Int
        /// The FNV-1a hash of every pair's source and target, in order.
        public var fingerprint: String

        /// Hashes `pairs` in order.
        public init(_ pairs: [SentencePair]) {
            var hash = FNV1a64()
            for pair in pairs {
                hash.add(pair.source.utf8)
                hash.add([0x09])
                hash.add(pair.target.utf8)
                hash.add([0x0A])
            }
            self.pairs = pairs.count
            fingerprint = hash.text
        }
    }

    public var train: Split
    public var dev: Split

    /// Fingerprints of the train and dev splits.
    public init(train: [SentencePair], dev: [SentencePair]) {
        self.train = Split(train)
        self.dev = Split(dev)
    }

    /// How `self` (the corpus now) differs from `started` (the one the run started with), or nil when it does not.
    public func difference(from started: CorpusFingerprint, corpus: String) -> String? {
        for (name, now, then) in [("train.tsv", train, started.train), ("dev.tsv", dev, started.dev)] where now != then {
            return "\(corpus)/\(name) is not the one this run started with: it has \(now.pairs) pairs (\(now.fingerprint)), the run's had \(then.pairs) (\(then.fingerprint))"
        }
        return nil
    }
}

extension TrainingPaths {
    /// The lock that one run at a time holds while it writes these files.
    public var lock: String { checkpoint + ".lock" }

    /// The learning-curve picture `--plot` keeps beside the log.
    public var curves: String { LearningCurves.picturePath(forLog: log) }

    /// The start of every kept checkpoint's file name: "model-step" for model-step1500.safetensors.
    private var keptPrefix: String { splitPath(kept(step: 0)).name.replacingOccurrences(of: "-step0.safetensors", with: "-step") }

    /// The kept checkpoints of this run's name on disk (`model-step1500.safetensors`), whatever their step.
    public func keptFilesOnDisk() -> [String] {
        let (folder, _) = splitPath(kept(step: 0))
        let prefix = keptPrefix
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return entries.filter { entry in
            guard entry.hasPrefix(prefix), entry.hasSuffix(".safetensors") else { return false }
            let digits = entry.dropFirst(prefix.count).dropLast(".safetensors".count)
            return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
        }.sorted().map { folder == "." ? $0 : folder + "/" + $0 }
    }

    /// The checkpoint, the state, the log and the best validation's dev translations: what makes a run, and what a new
    /// run refuses to replace unasked.
    public var runFiles: [String] { [checkpoint, state, log, devTranslations] }

    /// Proves, before the first step, that the run can write its files: the folder exists or is made, no output
    /// is a folder, none is the same file (device and inode, so also through a link) as one of `inputs`, and a
    /// file can be created in the folder. Failures → `.unwritableFile` naming the path.
    public func checkWritable(inputs: [String]) throws {
        let (folder, _) = splitPath(checkpoint)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Seq2SeqError.unwritableFile(path: folder, reason: "cannot create the folder")
        }
        let inputIdentities = inputs.compactMap { input in fileIdentity(input).map { (input, $0) } }
        for output in runFiles + [curves, lock] {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), isFolder.boolValue {
                throw Seq2SeqError.unwritableFile(path: output, reason: "it is a folder")
            }
            if let identity = fileIdentity(output), let input = inputIdentities.first(where: { $0.1 == identity }) {
                throw Seq2SeqError.unwritableFile(path: output, reason: "it is the input \(input.0); refusing to overwrite it")
            }
        }
        let probe = folder + "/.seq2seq-write-test-\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Seq2SeqError.unwritableFile(path: folder, reason: systemErrorText()) }
        close(descriptor)
        unlink(probe)
        if FileManager.default.fileExists(atPath: log) {
            let appending = open(log, O_WRONLY | O_APPEND | O_CLOEXEC)
            guard appending >= 0 else { throw Seq2SeqError.unwritableFile(path: log, reason: systemErrorText()) }
            close(appending)
        }
    }

    /// Removes the temporary files (`.NAME.tmp-PID-…`, see `writeFileAtomically`) that a process no longer alive left
    /// beside this run's files; returns the paths removed. Called with the lock held.
    @discardableResult
    public func removeLeftoverTemporaryFiles() -> [String] {
        let (folder, _) = splitPath(checkpoint)
        let owned = Set((runFiles + [curves]).map { splitPath($0).name })
        var removed: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where entry.hasPrefix(".") {
            guard let marker = entry.range(of: ".tmp-", options: .backwards) else { continue }
            let name = String(entry[entry.index(after: entry.startIndex)..<marker.lowerBound])
            guard owned.contains(name) || (name.hasPrefix(keptPrefix) && name.hasSuffix(".safetensors")) else { continue }
            guard let pid = Int32(entry[marker.upperBound...].prefix { $0 != "-" }), !processIsAlive(pid) else { continue }
            let path = folder + "/" + entry
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// `--overwrite`: removes every file of the previous run under this name (state and log first, so that a crash
    /// part way never leaves a state without its log), so that nothing of it mixes with the new one.
    public func removeRun() throws {
        for path in [state, log, curves, devTranslations] + keptFilesOnDisk() + [checkpoint] where FileManager.default.fileExists(atPath: path) {
            guard unlink(path) == 0 else { throw Seq2SeqError.unwritableFile(path: path, reason: "cannot delete it: \(systemErrorText())") }
        }
    }

    /// Keeps the log's records up to `step` and drops the rest: after a crash between a validation's log record and
    /// the state that follows it, a resumed run validates that step again and must not log it twice. A line that is
    /// not a whole record (a crash in the middle of writing it) is dropped too. Rewritten atomically.
    public func truncateLog(after step: Int) throws -> Int {
        guard FileManager.default.fileExists(atPath: log) else { return 0 }
        let text = try String(decoding: InputFile(path: log).readAll(limit: 1 << 30, what: "a training log"), as: UTF8.self)
        var kept: [Substring] = [], dropped = 0
        for line in text.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            if let record = try? JSONDecoder().decode(ValidationRecord.self, from: Data(line.utf8)), record.step <= step {
                kept.append(line)
            } else {
                dropped += 1
            }
        }
        if dropped > 0 { try writeFileAtomically(Array(kept.map { $0 + "\n" }.joined().utf8), to: log) }
        return dropped
    }
}

/// (device, inode) of an existing file, following links; nil when there is none.
func fileIdentity(_ path: String) -> [UInt64]? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return [UInt64(status.st_dev), UInt64(status.st_ino)]
}

/// Whether a process with this id exists (signal 0 checks without sending anything).
func processIsAlive(_ pid: Int32) -> Bool {
    pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
}

/// An exclusive lock on `TrainingPaths.lock` (flock(2), so the system releases it when the holder dies: a lock file
/// left by a killed run is simply taken over). It holds the owner's process id for the message a second run gets.
public final class TrainingLock {
    /// The lock file.
    public let path: String
    private var descriptor: Int32

    /// Takes the lock, or throws `.runInProgress` naming the process that holds it.
    public init(path: String, protecting checkpoint: String) throws {
        self.path = path
        while true {
            let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard opened >= 0 else { throw Seq2SeqError.unwritableFile(path: path, reason: systemErrorText()) }
            if flock(opened, LOCK_EX | LOCK_NB) != 0 {
                var buffer = [UInt8](repeating: 0, count: 32)
                let count = read(opened, &buffer, buffer.count)
                close(opened)
                let owner = Int32(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines))
                throw Seq2SeqError.runInProgress(checkpoint: checkpoint, pid: owner)
            }
            // The holder before us may have removed the file between our open and our lock: then we hold a lock on a
            // file nobody else will open, and must take the one at `path` instead.
            var held = stat(), current = stat()
            if fstat(opened, &held) == 0 && stat(path, &current) == 0 && held.st_ino == current.st_ino && held.st_dev == current.st_dev {
                descriptor = opened
                break
            }
            close(opened)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
    }

    /// Removes the lock file and releases the lock (in that order, so a waiting run never takes a removed file).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
