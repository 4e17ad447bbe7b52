// StoragePoolTests.swift — the pool hands a freed block back to the thread that freed it (whose core's cache still
// holds it), and not to another thread while that one keeps it.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct StoragePoolTests {
    /// A capacity no other test asks for (32 MB; never touched, so it costs no memory), so that concurrent tests
    /// cannot take the block between a give and a take.
    static let capacity = 1 << 23

    /// Runs `body` on a new thread and waits for it; returns what it returned.
    static func onAnotherThread(_ body: @escaping @Sendable () -> UInt) -> UInt {
        final class Box: @unchecked Sendable { var value: UInt = 0 }
        let box = Box(), done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.start()
        done.wait()
        return box.value
    }

    // Each test runs on a thread of its own: the test runner's threads may already keep up to their 64 MB of other
    // tests' blocks, and a thread that is full hands a freed block to the shared list (as it should), where another
    // thread may take it. A new thread keeps nothing but what the test gives it.

    @Test func aThreadGetsBackTheBlockItGave() {
        let pool = StoragePool.shared
        let same = Self.onAnotherThread { () -> UInt in
            let block = pool.take(capacity: Self.capacity)
            pool.give(block, capacity: Self.capacity)
            let again = pool.take(capacity: Self.capacity)
            pool.give(again, capacity: Self.capacity)
            return again == block ? 1 : 0
        }
        #expect(same == 1)
    }

    @Test func anotherThreadDoesNotGetABlockThisThreadKeeps() {
        let pool = StoragePool.shared
        let outcome = Self.onAnotherThread { () -> UInt in
            let block = pool.take(capacity: Self.capacity)
            pool.give(block, capacity: Self.capacity)
            let other = Self.onAnotherThread { () -> UInt in
                let taken = pool.take(capacity: Self.capacity)
                pool.give(taken, capacity: Self.capacity)     // to the shared list when this thread ends
                return UInt(bitPattern: taken)
            }
            let mine = pool.take(capacity: Self.capacity)
            pool.give(mine, capacity: Self.capacity)
            return (other != UInt(bitPattern: block) ? 1 : 0) + (mine == block ? 2 : 0)
        }
        #expect(outcome & 1 == 1, "another thread got the block this one keeps")
        #expect(outcome & 2 == 2, "this thread did not get its own block back")
    }
}
