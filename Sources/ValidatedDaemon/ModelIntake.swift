import Foundation
import Logging
import ValidatedModels
import ValidatedRuntime
import ValidatedStore
import ValidatedSystemd

/// Turns a complete checkpoint (a file, or a folder) in a watched folder into a queued run, once per distinct
/// content.
struct ModelIntake: Sendable {
    let store: any VerdictStoring
    let signal: WorkSignal
    let logger: Logger
    /// Shared with the worker, which finds the hash of a queued checkpoint there instead of reading it again.
    let hasher: CheckpointHasher
    /// Told when a run is queued, when metrics are on.
    var metrics: DaemonMetrics? = nil

    /// Hashes `path` (streaming, on the validation threads) and queues it unless the folder has already seen the
    /// same content. While the store cannot be written the intake waits and retries, so no arrival is lost.
    func ingest(path: String, folder: FolderConfiguration) async {
        let fingerprint: Fingerprint
        do {
            fingerprint = try await ValidationThreads.run { [hasher] in
                Result { () throws(ModelError) in try hasher.fingerprint(path) }
            }.get()
        } catch {
            // Deleted before it could be read, or unreadable: nothing to validate.
            logger.warning(
                "Cannot read new file: \(error)",
                metadata: ["VALIDATED_MODEL": "\(path)", "VALIDATED_FOLDER": "\(folder.name)"]
            )
            return
        }
        let result = await StoreRetry(logger: logger).run("queue \(path)") {
            try store.enqueue(folder: folder.name, path: path, sha256: fingerprint.sha256, size: fingerprint.size)
        }
        switch result {
        case .queued(let runID, _):
            logger.info(
                "Queued \(path) for validation (run \(runID))",
                metadata: [
                    "MESSAGE_ID": "\(ValidatedMessageID.modelQueued.rawValue)",
                    "VALIDATED_MODEL": "\(path)",
                    "VALIDATED_SHA256": "\(fingerprint.sha256)",
                    "VALIDATED_FOLDER": "\(folder.name)",
                    "VALIDATED_RUN_ID": "\(runID)",
                ]
            )
            signal.notify()
            metrics?.queueChanged()
        case .duplicate:
            logger.debug(
                "Skipping \(path): identical content was already validated in folder \(folder.name)",
                metadata: ["VALIDATED_SHA256": "\(fingerprint.sha256)"]
            )
        case nil:
            break  // Stopping; the file is picked up by the start-up scan next time.
        }
    }
}
