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

/// Runs loop bodies on a fixed number of threads; the one place the library starts threads.
public final class WorkerPool: @unchecked Sendable {
    /// The process's pool; `seq2seq --threads N` sets its size.
    public static let shared = WorkerPool()

    /// The current job in one word: its generation (24 bits), its number of parts (20 bits) and the next part
    /// nobody has claimed (20 bits). A part is claimed by a compare-and-swap of the whole word, so a claim made
    /// with a stale view of the job (a worker still finishing the previous one) fails instead of taking a part
    /// of the new job under the old job's closure or count. (With the count and the next part in separate words,
    /// a late worker could do exactly that: run the old closure for a new part, or claim a part and never run it.)
    private let ticket = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)     // parts of the current job not yet done
    private let busy = Atomic<Bool>(false)      // one job at a time; a caller that finds it busy works alone
    private let workers = Mutex<Int>(0)         // worker threads started so far
    // Written by the caller before the ticket is published (release); read only by a thread that has claimed a part
    // of this job (acquire), and the caller does not write it again until every claimed part is done.
    private var job: ((Int) -> Void)? = nil

    private static let partBits = 20, partMask = (1 << 20) - 1

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
        // Busy is read before the compare-and-swap is tried: a swap takes the cache line even when it fails, and
        // the products of a job shared out with `forEachShared` all find the pool busy, from both cores at once.
        guard threads > 1, partCount > 1, partCount <= Self.partMask, !busy.load(ordering: .relaxed),
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for part in 0..<partCount { body(part) }
            return
        }
        // The job is an escaping closure on purpose: a worker may still hold its reference for a moment after
        // reporting its last part done. Every part is finished before this returns, so what it points to is alive.
        job = body
        unfinished.store(partCount, ordering: .relaxed)
        let generation = (ticket.load(ordering: .relaxed) >> (2 * Self.partBits)) + 1
        ticket.store(((generation & 0xFF_FFFF) << (2 * Self.partBits)) | (partCount << Self.partBits), ordering: .releasing)
        work()
        var spins = 0
        while unfinished.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 1 << 16 { sched_yield() }
        }
        job = nil
        busy.store(false, ordering: .releasing)
    }

    /// Claims one part of the current job and runs it; false when no part is left to claim.
    private func claimAndRun() -> Bool {
        while true {
            let current = ticket.load(ordering: .acquiring)
            let next = current & Self.partMask, parts = (current >> Self.partBits) & Self.partMask
            guard next < parts else { return false }
            if ticket.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged {
                job?(next)
                unfinished.subtract(1, ordering: .releasing)
                return true
            }
        }
    }

    /// Takes parts of the current job until none is left.
    private func work() {
        while claimAndRun() {}
    }

    private func workerLoop() {
        var idle = 0
        while true {
            if claimAndRun() {
                idle = 0
            } else {
                idle += 1
                if idle > 4_000 { usleep(50) }            // idle for a while: stop burning the core
            }
        }
    }
}

/// Calls `body(item)` for every item in 0..<count, the items shared out among the pool's threads as they come free,
/// each item wholly on one thread (data parallelism over independent pieces of work, e.g. batches to translate).
/// Every thread opens one packed-weights scope over `parameters` for all its items. What an item computes must
/// not depend on the thread, so the results do not depend on the number of threads.
public func forEachShared(_ count: Int, packing parameters: FloatStorage, _ body: (Int) -> Void) {
    let next = SharedCounter()
    withoutActuallyEscaping(body) { body in
        WorkerPool.shared.run(parts: min(WorkerPool.shared.threads, count)) { _ in
            withPackedWeights(parameters) {
                while true {
                    let item = next.take()
                    guard item < count else { return }
                    body(item)
                }
            }
        }
    }
}

/// `forEachShared`'s results in item order: `[body(0), body(1), …]`, each item computed wholly on one thread, so the
/// array is the same for any number of threads (and anything added up from it in order is the same bits).
public func mapShared<Result>(_ count: Int, packing parameters: FloatStorage, _ body: (Int) -> Result) -> [Result] {
    Array(unsafeUninitializedCapacity: count) { results, initialized in
        // Every item is taken exactly once, so each element is initialised once, by the thread that computed it.
        forEachShared(count, packing: parameters) { item in results.initializeElement(at: item, to: body(item)) }
        initialized = count
    }
}

/// How many threads element-wise work over `count` elements takes: all of the pool's, or one below 65,536
/// elements, where waking a thread would cost more than it saves.
func elementWiseThreads(_ count: Int) -> Int { count < 1 << 16 ? 1 : WorkerPool.shared.threads }

/// Calls `body` on consecutive ranges covering 0..<count, one per thread `elementWiseThreads` gives. For
/// element-wise work whose result cannot depend on how the elements are split.
public func forEachShare(of count: Int, _ body: @escaping (Range<Int>) -> Void) {
    let parts = elementWiseThreads(count)
    WorkerPool.shared.run(parts: parts) { part in body(part * count / parts ..< (part + 1) * count / parts) }
}

/// A counter threads take numbers from, each number once.
private final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
