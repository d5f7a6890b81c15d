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

    /// Hashes `path` and queues it unless the folder has already seen the same bytes.
    func ingest(path: String, folder: FolderConfiguration) {
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
        do {
            switch try store.enqueue(folder: folder.name, path: path, sha256: fingerprint.sha256, size: fingerprint.size) {
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
            }
        } catch {
            logger.error(
                "Cannot queue \(path): \(error)",
                metadata: [
                    "MESSAGE_ID": "\(ValidatedMessageID.storeError.rawValue)", "VALIDATED_MODEL": "\(path)",
                ]
            )
        }
    }
}
