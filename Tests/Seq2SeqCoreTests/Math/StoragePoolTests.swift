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
    static func onAnotherThread<T: Sendable>(_ body: @escaping @Sendable () -> T) throws -> T {
        let box = Box<T>(), done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.start()
        done.wait()
        return try #require(box.value)
    }

    // Each test runs on a thread of its own: the test runner's threads may already keep up to their 64 MB of other
    // tests' blocks, and a thread that is full hands a freed block to the shared list (as it should), where another
    // thread may take it. A new thread keeps nothing but what the test gives it.

    @Test func aThreadGetsBackTheBlockItGave() throws {
        let pool = StoragePool.shared
        let (block, again) = try Self.onAnotherThread { () -> (UInt, UInt) in
            let block = pool.take(capacity: Self.capacity)
            pool.give(block, capacity: Self.capacity)
            let again = pool.take(capacity: Self.capacity)
            pool.give(again, capacity: Self.capacity)
            return (UInt(bitPattern: block), UInt(bitPattern: again))
        }
        #expect(again == block)
    }

    @Test func anotherThreadDoesNotGetABlockThisThreadKeeps() throws {
        let pool = StoragePool.shared
        let (address, other, mine) = try Self.onAnotherThread { () -> (UInt, UInt, UInt) in
            let block = pool.take(capacity: Self.capacity)
            pool.give(block, capacity: Self.capacity)
            let other = (try? Self.onAnotherThread { () -> UInt in
                let taken = pool.take(capacity: Self.capacity)
                pool.give(taken, capacity: Self.capacity)     // to the shared list when this thread ends
                return UInt(bitPattern: taken)
            }) ?? 0
            let mine = pool.take(capacity: Self.capacity)
            pool.give(mine, capacity: Self.capacity)
            return (UInt(bitPattern: block), other, UInt(bitPattern: mine))
        }
        #expect(other != 0)
        #expect(other != address)
        #expect(mine == address)
    }
}

/// What a thread of `StoragePoolTests.onAnotherThread` returned, handed to the thread that waits for it.
private final class Box<T>: @unchecked Sendable {
    var value: T?
}
