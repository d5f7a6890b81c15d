/// Wakes the validation worker when a run was queued. Coalesces: many signals while the worker is busy
/// become one wake-up, after which it drains the queue from the store.
struct WorkSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Tells the worker there may be work.
    func notify() { continuation.yield() }

    /// Waits for the next signal; `false` once the waiting task is cancelled.
    func wait() async -> Bool {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next() != nil
    }
}
