import Foundation
import Logging
import ValidatedRuntime
import ValidatedStore
import ValidatedSystemd

/// The daemon's one-line status (queue, model in progress, last verdict), published to systemd (`STATUS=`) and
/// to the heartbeat row `validatectl status` reads.
///
/// The heartbeat service writes it on every beat; the worker writes it whenever a run starts or ends, so the
/// row never shows a queue or a model that is a heartbeat out of date.
struct StatusReporter: Sendable {
    let store: any VerdictStoring
    let state: SharedState
    let notifier: SystemdNotifier
    let logger: Logger

    /// The status line, with `current` as the model in progress.
    func line(current: String?) -> String {
        let counts = (try? store.queueCounts()) ?? (queued: 0, running: 0)
        var line = "queue \(counts.queued)"
        if let current { line += ", validating \(ValidationWorker.fileName(current))" }
        line += ", last verdict: \(state.lastVerdict)"
        for (folder, problem) in state.folderProblems.sorted(by: { $0.key < $1.key }) {
            line += "; folder \(folder) cannot validate (its checkpoints wait): \(problem)"
        }
        return line
    }

    /// Sends the status to systemd and writes the heartbeat row.
    func publish(current: String?) {
        let status = line(current: current)
        notifier.status(status)
        write(status)
    }

    /// Writes the heartbeat row with the model in progress as the shared state knows it.
    func beat() {
        write(line(current: state.currentModel))
    }

    private func write(_ status: String) {
        let configuration = state.configuration
        do {
            try store.beat(
                Heartbeat(
                    pid: getpid(),
                    startedAt: state.startedAt,
                    beatAt: Date(),
                    status: status,
                    folders: configuration.folders.map { "\($0.name)=\($0.path)" }
                )
            )
        } catch {
            logger.error(
                "Cannot write the heartbeat: \(error)",
                metadata: ["MESSAGE_ID": "\(ValidatedMessageID.storeError.rawValue)"]
            )
        }
    }
}
