import Foundation
import Synchronization

/// Threads of their own for validation work, so that explanations blocking on the CPU or on a scorer process
/// never hold the few threads Swift concurrency shares with the daemon's other services (the heartbeat and
/// watchdog, the folder watcher, signal handling).
///
/// A task executor: tasks started under ``ValidationJob/run(progress:)`` and all their child tasks run here, and
/// so does the daemon's hashing of arrived checkpoints (``run(_:)``).
public final class ValidationThreads: TaskExecutor, @unchecked Sendable {
    /// One thread per core, made on first use.
    static let shared = ValidationThreads(count: max(ProcessInfo.processInfo.activeProcessorCount, 1))

    private let jobs = Mutex<[UnownedJob]>([])
    private let available = DispatchSemaphore(value: 0)

    private init(count: Int) {
        for index in 0..<count {
            let thread = Thread { [unowned self] in
                while true {
                    available.wait()
                    guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                    job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            thread.name = "validation-\(index)"
            thread.start()
        }
    }

    /// Runs `body`, which may block on the CPU or on the disk for long, on a validation thread.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withTaskExecutorPreference(shared) { body() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        jobs.withLock { $0.append(unowned) }
        available.signal()
    }
}
