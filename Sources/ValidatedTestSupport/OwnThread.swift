import Foundation

/// Runs blocking `work` (a child process to wait for, a scorer to talk to) on a thread of its own and awaits its
/// result, so it does not hold one of the few threads that Swift concurrency shares among all running tests.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
