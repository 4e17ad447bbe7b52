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
    func onAnotherThread(_ body: @escaping @Sendable () -> UInt) -> UInt {
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

    @Test func aThreadGetsBackTheBlockItGave() {
        let pool = StoragePool.shared
        let block = pool.take(capacity: Self.capacity)
        pool.give(block, capacity: Self.capacity)
        let again = pool.take(capacity: Self.capacity)
        #expect(again == block)
        pool.give(again, capacity: Self.capacity)
    }

    @Test func anotherThreadDoesNotGetABlockThisThreadKeeps() {
        let pool = StoragePool.shared
        let block = pool.take(capacity: Self.capacity)
        pool.give(block, capacity: Self.capacity)
        let address = UInt(bitPattern: block)
        let other = onAnotherThread { () -> UInt in
            let taken = pool.take(capacity: Self.capacity)
            pool.give(taken, capacity: Self.capacity)     // to the shared list when this thread ends
            return UInt(bitPattern: taken)
        }
        #expect(other != address)
        let mine = pool.take(capacity: Self.capacity)
        #expect(mine == block)
        pool.give(mine, capacity: Self.capacity)
    }
}
