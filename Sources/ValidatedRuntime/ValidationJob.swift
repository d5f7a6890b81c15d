import ValidatedCore
import ValidatedModels

/// The result of validating one checkpoint file.
public struct ValidationOutcome: Sendable {
    /// The checkpoint file.
    public var path: String
    /// Its SHA-256, when it could be read.
    public var sha256: String?
    /// The report; its verdict is `error` when the checkpoint could not be loaded or scored.
    public var report: ValidationReport
    /// Why the champion could not be used, when there was one and it could not be loaded.
    public var championProblem: String?

    /// Creates an outcome.
    public init(path: String, sha256: String?, report: ValidationReport, championProblem: String?) {
        self.path = path
        self.sha256 = sha256
        self.report = report
        self.championProblem = championProblem
    }
}

/// Validates one checkpoint file against a folder's resources: the piece shared by the daemon and
/// `validatectl validate`.
public struct ValidationJob: Sendable {
    /// The checkpoint to judge.
    public var modelPath: String
    /// The current champion's file, if the folder has one.
    public var championPath: String?
    /// The champion's stored scores on this evaluation set; when given, the champion is not scored again, and
    /// loaded only to explain it for the spurious suite's new reasons (``SpuriousSettings/newReasonTop`` above 0).
    public var championScores: [Double]?
    /// The evaluation set and banned tokens.
    public var resources: FolderResources
    /// Suite settings.
    public var settings: ValidationSettings
    /// How checkpoints are read.
    public var loader = ModelLoader()

    /// Creates a job.
    public init(modelPath: String, championPath: String?, resources: FolderResources, settings: ValidationSettings) {
        self.modelPath = modelPath
        self.championPath = championPath
        self.resources = resources
        self.settings = settings
    }

    /// Loads the checkpoint (and the champion) and runs the three suites.
    ///
    /// Models served by a scorer process live exactly for this call: each is closed when the suites end, and
    /// killed at once when the calling task is cancelled.
    ///
    /// Never throws: a checkpoint that cannot be loaded yields an `error` verdict naming the reason.
    public func run(progress: (@Sendable (ValidationProgress) -> Void)? = nil) async -> ValidationOutcome {
        let roster = ScorerRoster()
        var loader = loader
        loader.roster = roster
        return await withTaskCancellationHandler {
            await withTaskExecutorPreference(ValidationThreads.shared) {
                await run(loader: loader, progress: progress)
            }
        } onCancel: {
            roster.killAll()
        }
    }

    private func run(loader: ModelLoader, progress: (@Sendable (ValidationProgress) -> Void)?) async -> ValidationOutcome {
        let model: LoadedModel
        do {
            model = try loader.load(modelPath)
        } catch {
            return ValidationOutcome(
                path: modelPath,
                sha256: try? loader.fingerprint(modelPath).sha256,
                report: .failure("\(error)"),
                championProblem: nil
            )
        }
        var championProblem: String?
        let champion: LoadedModel?
        // Stored scores are of the positive class: a multi-class set needs the champion itself.
        let championScores = resources.evaluation.isMultiClass ? nil : championScores
        if let championPath, championScores == nil || settings.spurious.newReasonTop > 0 {
            do {
                champion = try loader.load(championPath)
            } catch {
                champion = nil
                championProblem =
                    championScores == nil
                    ? "champion \(error); judged on the AUC floor only"
                    : "champion \(error); compared on its stored scores, without new reasons"
            }
        } else {
            champion = nil
        }
        defer {
            model.close()
            champion?.close()
        }
        let request = ValidationRequest(
            challenger: model.classifier,
            challengerSHA256: model.sha256,
            champion: champion?.classifier,
            championScores: championScores,
            evaluation: resources.evaluation,
            positiveClass: resources.positiveLabel,
            banned: resources.banned,
            settings: settings
        )
        let report = await Validator.validate(request, progress: progress)
        return ValidationOutcome(path: modelPath, sha256: model.sha256, report: report, championProblem: championProblem)
    }
}
