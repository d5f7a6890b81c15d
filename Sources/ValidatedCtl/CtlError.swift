import Foundation
import ValidatedCore
import ValidatedRuntime
import ValidatedStore

/// A failure of a validatectl verb that is not a usage error. Each case keeps the error that caused it;
/// its description is the one line `validatectl: MESSAGE` prints, saying what to do next.
enum CtlError: Error, CustomStringConvertible {
    /// The store could not be opened, read or written.
    case store(any Error)
    /// `--config` names a configuration that cannot be read; `hint` says what else to pass.
    case configuration(ConfigurationError, hint: String)
    /// This user may not read (or write) the store: what is wrong and how to get access.
    case noAccess(String)
    /// The store does not exist yet.
    case noStore(path: String)
    /// A model was found but the verb cannot act on it: `problem` says why and what to do.
    case model(ModelRecord, problem: String)
    /// A run's stored report cannot be decoded into ``ValidationReport``.
    case unreadableReport(runID: Int64, cause: any Error)
    /// A run has no stored report yet.
    case noReport(RunRecord)
    /// A file could not be written.
    case cannotWrite(path: String, cause: any Error)
    /// A checkpoint, evaluation set or banned list could not be read; the cause names the file and the fault.
    case unreadable(any Error)
    /// A model has no class of the given name.
    case noSuchClass(classes: [String])
    /// LIME could not explain a document.
    case explanation(documentID: String, cause: any Error)
    /// A model's checkpoint is no longer where the store says.
    case checkpointGone(path: String)

    var description: String {
        switch self {
        case .store(let cause): "\(cause)"
        case .configuration(let cause, let hint): "\(cause)\(hint)"
        case .noAccess(let problem): problem
        case .noStore(let path): "\(path): no store here yet; has validated run with this configuration?"
        case .model(let model, let problem): "\(model.path) \(problem)"
        case .unreadableReport(let runID, let cause):
            "the stored report of run \(runID) cannot be read (\(cause)); "
                + "validatectl rerun the model to store a new one"
        case .noReport(let run):
            "run \(run.id) has no readable report yet (state \(run.state.rawValue)); wait for it to finish"
        case .cannotWrite(let path, let cause):
            "cannot write \(path): \(cause.localizedDescription); check the directory exists and is writable"
        case .unreadable(let cause): "\(cause)"
        case .noSuchClass(let classes): "the model's classes are \(classes); pass one of them with --label"
        case .explanation(let documentID, let cause): "cannot explain document \(documentID): \(cause)"
        case .checkpointGone(let path):
            "\(path) is gone; put the checkpoint back at that path (the daemon validates the file there) and try again"
        }
    }
}

extension RunRecord {
    /// The run's stored report, read with the typed model every verb shares; `nil` before the run finished.
    ///
    /// - Throws: ``CtlError/unreadableReport(runID:cause:)`` when the stored JSON does not decode.
    func storedReport() throws(CtlError) -> ValidationReport? {
        guard let reportJSON else { return nil }
        do {
            return try JSONDecoder().decode(ValidationReport.self, from: Data(reportJSON.utf8))
        } catch {
            throw .unreadableReport(runID: id, cause: error)
        }
    }
}
