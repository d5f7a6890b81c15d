import Synchronization

/// The scorer processes started for one validation run, so a cancelled run can kill them all at once — also a
/// scorer still loading its model, before its ``ScorerClassifier`` exists.
public final class ScorerRoster: Sendable {
    private let state = Mutex<(cancelled: Bool, processes: [ScorerProcess])>((false, []))

    /// Creates an empty roster.
    public init() {}

    /// Kills every scorer on the roster with SIGKILL and reaps it; scorers added later are killed as they start.
    public func killAll() {
        let processes = state.withLock { state in
            state.cancelled = true
            return state.processes
        }
        for process in processes { process.kill() }
    }

    /// Adds a process, killing it at once when the roster has been cancelled.
    func add(_ process: ScorerProcess) {
        let cancelled = state.withLock { state in
            state.processes.append(process)
            return state.cancelled
        }
        if cancelled { process.kill() }
    }
}
