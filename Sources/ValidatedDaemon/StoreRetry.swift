import Logging
import ValidatedSystemd

/// Retries a store operation with exponential backoff (1 s, doubling to 30 s) while the store cannot be used:
/// a full disk, a read-only file system or a lock held by another process must not stop the daemon or lose a
/// file or a verdict. Each failure is logged with the store-error `MESSAGE_ID`.
struct StoreRetry {
    let logger: Logger
    var first = Duration.seconds(1)
    var limit = Duration.seconds(30)

    /// Runs `operation` until it succeeds; `nil` when the task is cancelled first.
    func run<T>(_ what: String, _ operation: () throws -> T) async -> T? {
        var delay = first
        var attempt = 1
        while !Task.isCancelled {
            do {
                return try operation()
            } catch {
                logger.error(
                    "Cannot \(what) (attempt \(attempt)): \(error); retrying in \(delay)",
                    metadata: [
                        "MESSAGE_ID": "\(ValidatedMessageID.storeError.rawValue)", "VALIDATED_ERROR": "\(error)",
                    ]
                )
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                return nil
            }
            delay = min(delay * 2, limit)
            attempt += 1
        }
        return nil
    }
}
