// PerThread.swift — one object per thread, for the state the kernels reach for on every call: the packing buffer,
// the blocks a thread gave back to the storage pool.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `Value` per thread, made on the thread's first use and released when the thread ends (by the destructor of a
/// POSIX thread-specific key). The lookup is one `pthread_getspecific`, not `Thread.current.threadDictionary` (a
/// dictionary and a dynamic cast), because every product asks for its thread's packing buffer.
final class PerThread<Value: AnyObject>: @unchecked Sendable {
    private let key: pthread_key_t
    private let make: @Sendable () -> Value

    init(_ make: @escaping @Sendable () -> Value) {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
            #else
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
            #endif
        }
        precondition(created == 0, "pthread_key_create failed")
        self.key = key
        self.make = make
    }

    /// The calling thread's value.
    var value: Value {
        if let pointer = pthread_getspecific(key) { return Unmanaged<Value>.fromOpaque(pointer).takeUnretainedValue() }
        let value = make()
        pthread_setspecific(key, Unmanaged.passRetained(value).toOpaque())
        return value
    }
}
