// Parallel.swift — the only place threads start: a small pool of persistent workers that split a job's parts
// (e.g. the column panels of a matrix product) with the calling thread. Waking a parked Dispatch thread took
// 30–170 µs on this machine, as long as a whole product; these workers spin on an atomic counter for a while
// before they sleep, so a product handed out right after another starts within a microsecond.

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class WorkerPool: @unchecked Sendable {
    /// The process's pool; `seq2seq --threads N` sets its size.
    public static let shared = WorkerPool()

    private let generation = Atomic<Int>(0)     // bumped once per job; workers wait for it to change
    private let nextPart = Atomic<Int>(0)       // the next part of the current job nobody has taken yet
    private let unfinished = Atomic<Int>(0)     // parts of the current job not yet done
    private let busy = Atomic<Bool>(false)      // one job at a time; a caller that finds it busy works alone
    private let workers = Mutex<Int>(0)         // worker threads started so far
    // Written by the caller before `generation` is bumped (release), read by workers after they see it (acquire).
    private var job: ((Int) -> Void)? = nil
    private var parts = 0

    /// Threads that take part in a job: the caller plus `threads − 1` workers.
    public private(set) var threads = 1

    /// Starts workers until `count` threads (caller included) can share a job. Call before any job runs.
    public func setThreads(_ count: Int) {
        let count = max(1, count)
        workers.withLock { started in
            while started < count - 1 {
                let thread = Thread { [self] in workerLoop() }
                thread.stackSize = 1 << 20
                thread.start()
                started += 1
            }
        }
        threads = count
    }

    /// Calls `body(part)` for every part in 0..<partCount, spread over the pool; returns when all are done.
    /// Runs everything on the calling thread when the pool has one thread, or is busy with another caller's job
    /// (concurrent callers, e.g. tests, or a job started from inside a job).
    public func run(parts partCount: Int, _ body: @escaping (Int) -> Void) {
        guard threads > 1, partCount > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for part in 0..<partCount { body(part) }
            return
        }
        // The job is an escaping closure on purpose: a worker may still hold its reference for a moment after
        // reporting its last part done. Every part is finished before this returns, so what it points to is alive.
        job = body
        parts = partCount
        nextPart.store(0, ordering: .relaxed)
        unfinished.store(partCount, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        work()
        var spins = 0
        while unfinished.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 1 << 16 { sched_yield() }
        }
        busy.store(false, ordering: .releasing)
    }

    /// Takes parts of the current job until none is left.
    private func work() {
        while true {
            let part = nextPart.add(1, ordering: .relaxed).oldValue
            guard part < parts, let job else { return }
            job(part)
            unfinished.subtract(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > 200_000 { usleep(50) }          // idle for a while: stop burning the core
            }
            seen = generation.load(ordering: .acquiring)
            work()
        }
    }
}
