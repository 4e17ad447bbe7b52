// InputFiles.swift — opening whatever a user names as input, and how much memory the work may take. A regular file
// is read; a stream the user names on purpose ("-", /dev/stdin, /dev/fd/N as process substitution gives, /dev/null)
// is read to its end; every other special file (a FIFO, a device, a socket) is refused without ever blocking on it.

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input opened for reading: a regular file (with its size) or a stream.
public final class InputFile {
    /// The name messages give it: the path, or "<stdin>" for "-".
    public let path: String
    /// The open file descriptor to read from.
    public let descriptor: Int32
    /// The size of a regular file; nil for a stream, whose size is known only once it is read.
    public let size: Int?
    private let ownsDescriptor: Bool

    /// Set by `protectStandardDescriptors()` when the process started with standard input closed.
    private static let standardInputWasClosed = Atomic<Bool>(false)

    /// Opens `path` ("-" is standard input). Missing, unreadable, a folder, or a special file that is not a stream
    /// named on purpose → `.unreadableFile` saying which. Never blocks: a FIFO is opened non-blocking and refused.
    public init(path: String) throws {
        func refuse(_ reason: String) -> Seq2SeqError { .unreadableFile(path: path == "-" ? "<stdin>" : path, reason: reason) }
        if path == "-" || path == "/dev/stdin" {
            guard !Self.standardInputWasClosed.load(ordering: .relaxed), fcntl(STDIN_FILENO, F_GETFL) != -1 else {
                throw refuse("standard input is closed")
            }
            self.path = path == "-" ? "<stdin>" : path
            descriptor = STDIN_FILENO
            size = nil
            ownsDescriptor = false
            return
        }
        let opened = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard opened >= 0 else {
            let reason = errno == ENOENT ? "no such file" : errno == EACCES ? "permission denied" : systemErrorText()
            // open(2) fails on a Unix socket (ENXIO; EOPNOTSUPP on macOS) before fstat could name what it is.
            var status = stat()
            if stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK { throw refuse("it is a socket, not a regular file") }
            throw refuse(reason)
        }
        var status = stat()
        guard fstat(opened, &status) == 0 else {
            let reason = systemErrorText()
            close(opened)
            throw refuse(reason)
        }
        let kind = status.st_mode & S_IFMT
        if kind != S_IFREG {
            let reason: String? = switch kind {
            case S_IFDIR: "it is a folder, not a file"
            case _ where Self.isNamedStream(path): nil
            case S_IFIFO: "it is a FIFO (named pipe), not a regular file; pipe it into standard input instead"
            case S_IFCHR, S_IFBLK: "it is a device, not a regular file"
            case S_IFSOCK: "it is a socket, not a regular file"
            default: "it is not a regular file"
            }
            if let reason {
                close(opened)
                throw refuse(reason)
            }
        }
        // Reads block again from here on: a regular file never waits, and a named stream is read on purpose.
        _ = fcntl(opened, F_SETFL, fcntl(opened, F_GETFL) & ~O_NONBLOCK)
        self.path = path
        descriptor = opened
        size = kind == S_IFREG ? Int(status.st_size) : nil
        ownsDescriptor = true
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// Streams a user names on purpose: standard input and process substitution (`<(…)` is /dev/fd/N, or
    /// /proc/self/fd/N), and /dev/null as an empty input.
    static func isNamedStream(_ path: String) -> Bool {
        path == "/dev/stdin" || path == "/dev/null" || path.hasPrefix("/dev/fd/") || path.hasPrefix("/proc/self/fd/")
    }

    /// Up to `buffer.count` bytes; 0 at the end. A read error → `.unreadableFile`.
    public func readSome(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let got = read(descriptor, buffer.baseAddress, buffer.count)
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw Seq2SeqError.unreadableFile(path: path, reason: systemErrorText())
        }
    }

    /// Whether a read would return at once: bytes are waiting, the input has ended or failed, or it is a regular
    /// file (poll(2) with a zero timeout; when poll itself fails, true, so that the read that follows reports it).
    public func hasBytesReady() -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&entry, 1, 0)
            if ready >= 0 { return ready > 0 }
            if errno != EINTR { return true }
        }
    }

    /// The whole input, refused before it is read (or, for a stream, as soon as it passes the limit) when it holds
    /// more than `limit` bytes; `what` names the work in the refusal ("a corpus", "a checkpoint").
    public func readAll(limit: Int, what: String) throws -> [UInt8] {
        func tooLarge(_ bytes: Int) -> Seq2SeqError {
            .inputTooLarge(path: path, bytes: bytes, limit: limit, what: what)
        }
        if let size, size > limit { throw tooLarge(size) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(size ?? 0, limit))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = try chunk.withUnsafeMutableBytes { try readSome(into: $0) }
            if got == 0 { return bytes }
            guard bytes.count + got <= limit else { throw tooLarge(bytes.count + got) }
            bytes.append(contentsOf: chunk[0..<got])
        }
    }

    /// Called first thing by the executable: a standard descriptor (0, 1, 2) that the process started without is
    /// opened on /dev/null, so that no file opened later takes its number and is read or written by mistake.
    /// Standard input that was closed is remembered, and reading it is then refused ("standard input is closed");
    /// so is standard output (`standardOutputWasClosed`), so that results written to it fail instead of vanishing.
    public static func protectStandardDescriptors() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != descriptor {
                dup2(null, descriptor)
                close(null)
            }
            if descriptor == STDIN_FILENO { standardInputWasClosed.store(true, ordering: .relaxed) }
            if descriptor == STDOUT_FILENO { standardOutputClosed.store(true, ordering: .relaxed) }
        }
    }

    private static let standardOutputClosed = Atomic<Bool>(false)

    /// Whether the process started with standard output closed (`>&-`): it now points at /dev/null.
    public static var standardOutputWasClosed: Bool { standardOutputClosed.load(ordering: .relaxed) }
}

/// How much memory the work of one command may take: 80% of the machine's memory, or less when the process runs under
/// a limit on its address space or data (`ulimit -v`, `ulimit -d`): then that limit less what is already mapped.
/// Estimates of what a job needs are compared against it before the job starts.
public enum MemoryBudget {
    /// The budget in bytes, computed anew on every call.
    public static var bytes: Double {
        var budget = 0.8 * Double(ProcessInfo.processInfo.physicalMemory)
        #if os(Linux)
        for resource in [RLIMIT_AS, RLIMIT_DATA] {
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { continue }
            budget = min(budget, Double(limit.rlim_cur) - mappedBytes())
        }
        #endif
        return max(budget, 0)
    }

    #if os(Linux)
    /// The process's mapped address space now (the first field of /proc/self/statm, in pages).
    private static func mappedBytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }
    #endif

    /// "1.2 GB", "350 MB": a size for a message.
    public static func describe(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.0f MB", max(bytes / 1e6, 1))
    }
}
