import Foundation
import Logging
import ValidatedModels
import ValidatedRuntime
import ValidatedStore
import ValidatedSystemd

/// Turns a complete file in a watched folder into a queued run, once per distinct content.
struct ModelIntake: Sendable {
    let store: VerdictStore
    let signal: WorkSignal
    let logger: Logger
    let loader = ModelLoader()

    /// Hashes `path` and queues it unless the folder has already seen the same bytes. While the store cannot
    /// be written the intake waits and retries, so no arrival is lost.
    func ingest(path: String, folder: FolderConfiguration) async {
        let fingerprint: (sha256: String, size: Int)
        do {
            fingerprint = try loader.fingerprint(path)
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
