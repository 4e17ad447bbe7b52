// MeasuredRun.swift — runs a program as runSeq2Seq does (stdout, stderr and exit code apart, both pipes drained while
// it runs), but spawned with posix_spawn and reaped with wait4, so that its wall time and its own peak resident
// memory (ru_maxrss) are known. A run past its time bound is killed, and the result says so.
//
// On Linux a program spawned from this process would not report its own peak: posix_spawn's child runs in this
// process's memory until it execs, and exec folds that memory's high-water mark (this test process's, tens to
// hundreds of MB) into the child's ru_maxrss. So /bin/sh, whose memory is small, starts the program as a background
// job and exits at once; the orphaned program becomes this process's child (PR_SET_CHILD_SUBREAPER) and is reaped
// here with its own usage. The time then includes starting sh, about a millisecond.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run and what it cost.
struct MeasuredRun {
    let result: CommandResult
    /// From spawn to reap.
    let seconds: Double
    /// The program's own peak resident set size.
    let peakBytes: Int
}

enum MeasuredRunError: Error, CustomStringConvertible {
    case systemCall(String, Int32)
    case noProcessIdentifier(String)
    var description: String {
        switch self {
        case let .systemCall(call, code): return "\(call) failed: \(String(cString: strerror(code)))"
        case let .noProcessIdentifier(text): return "/bin/sh did not give the program's process id (it said \"\(text)\")"
        }
    }
}

/// Runs the built `seq2seq` with `arguments`; `stdin` nil means /dev/null.
func runSeq2SeqMeasured(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 120) throws -> MeasuredRun {
    guard FileManager.default.isExecutableFile(atPath: seq2seqBinary.path) else {
        throw RunCommandError.binaryMissing(seq2seqBinary.path)
    }
    return try runMeasured(seq2seqBinary.path, arguments, stdin: stdin, timeout: timeout)
}

/// Runs `executable` (an absolute path) with `arguments` in this process's environment; `stdin` nil means /dev/null.
/// After `timeout` seconds the program gets SIGKILL and the result says `timedOut`. The bound only ends a run that
/// hangs: it is generous (two minutes, for runs that take well under a second) so that a slow or busy machine never
/// fails a test.
func runMeasured(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                 timeout: TimeInterval = 120) throws -> MeasuredRun {
    _ = ignoreBrokenPipes
    let output = try closeOnExecPipe(), errors = try closeOnExecPipe()
    let input = try stdin.map { _ in try closeOnExecPipe() }

    #if os(macOS)
    var actions: posix_spawn_file_actions_t? = nil
    #else
    var actions = posix_spawn_file_actions_t()
    #endif
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // dup2 leaves the copies open across exec; every original is close-on-exec, so the child holds only these.
    if let input {
        posix_spawn_file_actions_adddup2(&actions, input.read, STDIN_FILENO)
    } else {
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
    }
    posix_spawn_file_actions_adddup2(&actions, output.write, STDOUT_FILENO)
    posix_spawn_file_actions_adddup2(&actions, errors.write, STDERR_FILENO)

    #if os(Linux)
    try becomeSubreaper()
    // sh keeps its standard input as 4 for the job (a background job's own is /dev/null), closes 3 for it, and
    // writes the job's process id to 3.
    let pidPipe = try closeOnExecPipe()
    posix_spawn_file_actions_adddup2(&actions, pidPipe.write, 3)
    let argv = ["/bin/sh", "-c", "exec 4<&0; \"$@\" <&4 4<&- 3>&- & echo $! >&3", "sh", executable] + arguments
    #else
    let argv = [executable] + arguments
    #endif

    let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for pointer in cArguments { free(pointer) } }
    var spawnedID = pid_t()
    let start = DispatchTime.now()
    let spawned = posix_spawn(&spawnedID, argv[0], &actions, nil, cArguments, environ)
    // The parent keeps only its own ends: the child's ends close here, so the pipes reach end-of-file when it exits.
    close(output.write)
    close(errors.write)
    if let input { close(input.read) }
    #if os(Linux)
    close(pidPipe.write)
    defer { close(pidPipe.read) }
    #endif
    guard spawned == 0 else {
        close(output.read)
        close(errors.read)
        if let input { close(input.write) }
        throw MeasuredRunError.systemCall("posix_spawn \(argv[0])", spawned)
    }

    let drained = DispatchGroup()
    let standardOutput = DataBox(), standardError = DataBox()
    for (descriptor, box) in [(output.read, standardOutput), (errors.read, standardError)] {
        drained.enter()
        Thread {
            box.set(readToEnd(descriptor))
            close(descriptor)
            drained.leave()
        }.start()
    }
    if let input, let stdin {
        Thread {
            writeAll(stdin, to: input.write)
            close(input.write)
        }.start()
    }

    #if os(Linux)
    // sh exits as soon as it has started the job, which is then this process's child.
    var shellStatus: Int32 = 0
    while waitpid(spawnedID, &shellStatus, 0) == -1 && errno == EINTR {}
    let said = String(decoding: readToEnd(pidPipe.read), as: UTF8.self)
    guard let programID = pid_t(said.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw MeasuredRunError.noProcessIdentifier(said)
    }
    #else
    let programID = spawnedID
    #endif

    // Polled rather than blocking, so that the time bound can kill the program while it is certainly not yet reaped.
    var status: Int32 = 0
    var usage = rusage()
    var timedOut = false
    let deadline = start + timeout
    while true {
        let reaped = wait4(programID, &status, WNOHANG, &usage)
        if reaped == programID { break }
        if reaped == -1 && errno != EINTR { throw MeasuredRunError.systemCall("wait4", errno) }
        if DispatchTime.now() >= deadline && !timedOut {
            timedOut = true
            kill(programID, SIGKILL)
        }
        usleep(1_000)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    if drained.wait(timeout: .now() + 10) == .timedOut { timedOut = true }

    // The wait status: low 7 bits the terminating signal (0 for a normal exit), bits 8–15 the exit code.
    let signal = status & 0x7F
    #if os(macOS)
    let peakBytes = Int(usage.ru_maxrss)          // bytes on macOS
    #else
    let peakBytes = Int(usage.ru_maxrss) * 1024   // kilobytes on Linux
    #endif
    let result = CommandResult(stdoutData: standardOutput.get(), stderrData: standardError.get(),
                               exitCode: signal == 0 ? (status >> 8) & 0xFF : signal,
                               terminatedBySignal: signal != 0, timedOut: timedOut)
    return MeasuredRun(result: result, seconds: seconds, peakBytes: peakBytes)
}

/// A pipe whose two descriptors close on exec, so that no other child spawned meanwhile inherits them.
private func closeOnExecPipe() throws -> (read: Int32, write: Int32) {
    var descriptors: [Int32] = [0, 0]
    #if os(Linux)
    guard let pipe2 = libcFunction("pipe2", as: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self) else {
        throw MeasuredRunError.systemCall("dlsym pipe2", ENOSYS)
    }
    guard pipe2(&descriptors, O_CLOEXEC) == 0 else { throw MeasuredRunError.systemCall("pipe2", errno) }
    #else
    guard pipe(&descriptors) == 0 else { throw MeasuredRunError.systemCall("pipe", errno) }
    for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    #endif
    return (descriptors[0], descriptors[1])
}

#if os(Linux)
/// Makes this process the reaper of its children's orphans (prctl PR_SET_CHILD_SUBREAPER, linux/prctl.h: 36).
private func becomeSubreaper() throws {
    guard let prctl = libcFunction("prctl", as: (@convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32).self) else {
        throw MeasuredRunError.systemCall("dlsym prctl", ENOSYS)
    }
    guard prctl(36, 1, 0, 0, 0) == 0 else { throw MeasuredRunError.systemCall("prctl(PR_SET_CHILD_SUBREAPER)", errno) }
}

/// A libc function the Glibc module leaves out (prctl is variadic; pipe2 is declared under _GNU_SOURCE).
private func libcFunction<Function>(_ name: String, as type: Function.Type) -> Function? {
    dlsym(nil, name).map { unsafeBitCast($0, to: type) }
}
#endif

/// Everything a descriptor gives until end-of-file (or a read error).
private func readToEnd(_ descriptor: Int32) -> Data {
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if got > 0 {
            data.append(contentsOf: chunk[0..<got])
        } else if got < 0 && errno == EINTR {
            continue
        } else {
            return data
        }
    }
}
