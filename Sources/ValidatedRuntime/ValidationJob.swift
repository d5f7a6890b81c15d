import ValidatedCore
import ValidatedModels

/// The result of validating one checkpoint file or folder.
public struct ValidationOutcome: Sendable {
    /// The checkpoint file or folder.
    public var path: String
    /// Its SHA-256, when it could be read.
    public var sha256: String?
    /// The report; its verdict is `error` when the checkpoint could not be loaded or scored.
    public var report: ValidationReport
    /// Why the champion could not be used, when there was one and it could not be loaded.
    public var championProblem: String?
    /// Whether that is because the champion's file no longer holds the content it was promoted with.
    public var championReplaced: Bool

    /// Creates an outcome.
    public init(
        path: String,
        sha256: String?,
        report: ValidationReport,
        championProblem: String?,
        championReplaced: Bool = false
    ) {
        self.path = path
        self.sha256 = sha256
        self.report = report
        self.championProblem = championProblem
        self.championReplaced = championReplaced
    }
}

/// Validates one checkpoint file or folder against a folder's resources: the piece shared by the daemon and
/// `validatectl validate`, both of which make it with ``JobRecipe/job(hasher:whileWaitingForScorers:)``.
public struct ValidationJob: Sendable {
    /// The checkpoint to judge.
    public var modelPath: String
    /// The current champion's file, if the folder has one.
    public var championPath: String?
    /// The champion's SHA-256 as stored when it was promoted: a champion file whose content differs is not used.
    public var championSHA256: String?
    /// The champion's stored scores on this evaluation set; when given, the champion is not scored again, and
    /// loaded only to explain it for the spurious suite's new reasons (``SpuriousSettings/newReasonTop`` above 0).
    public var championScores: [Double]?
    /// The evaluation set and banned tokens (its fingerprint keys the champion's stored scores).
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
    /// Never throws: a checkpoint that cannot be loaded, or a run past ``ValidationSettings/runTimeoutSeconds``,
    /// yields an `error` verdict naming the reason.
    public func run(progress: (@Sendable (ValidationProgress) -> Void)? = nil) async -> ValidationOutcome {
        let roster = ScorerRoster()
        var served = loader
        served.roster = roster
        let loader = served
        return await withTaskCancellationHandler {
            await withinBudget(roster: roster, loader: loader) {
                await run(loader: loader, progress: progress)
            }
        } onCancel: {
            roster.killAll()
        }
    }

    private enum Finish: Sendable {
        case done(ValidationOutcome)
        case budgetSpent
        case cancelled
    }

    /// Runs `body`, or ends it once ``ValidationSettings/runTimeoutSeconds`` have passed: its scorers are killed
    /// and the run is cancelled, and the outcome is an `error` naming the limit. Explanations in progress end at
    /// their next check for cancellation.
    private func withinBudget(
        roster: ScorerRoster,
        loader: ModelLoader,
        _ body: @escaping @Sendable () async -> ValidationOutcome
    ) async -> ValidationOutcome {
        let limit = settings.runTimeoutSeconds
        return await withTaskGroup(of: Finish.self) { group in
            // The run on the validation threads; its clock on the shared pool, so that validation threads busy
            // with explanations or blocked on a scorer never delay the limit.
            group.addTask(executorPreference: ValidationThreads.shared) { .done(await body()) }
            group.addTask(executorPreference: globalConcurrentExecutor) {
                do {
                    try await Task.sleep(for: .seconds(limit))
                    return .budgetSpent
                } catch {
                    return .cancelled
                }
            }
            while let finish = await group.next() {
                switch finish {
                case .done(let outcome):
                    group.cancelAll()
                    return outcome
                case .budgetSpent:
                    roster.killAll()
                    group.cancelAll()
                    await group.waitForAll()
                    return budgetSpent(limit, loader: loader)
                case .cancelled:
                    continue
                }
            }
            return budgetSpent(limit, loader: loader)
        }
    }

    private func budgetSpent(_ limit: Double, loader: ModelLoader) -> ValidationOutcome {
        let seconds = limit == limit.rounded() ? "\(Int(limit))" : "\(limit)"
        return ValidationOutcome(
            path: modelPath,
            sha256: try? loader.fingerprint(modelPath).sha256,
            report: .failure(
                "the run took longer than its limit of \(seconds) s ([Run] TimeoutSec=\(seconds)) and was stopped; "
                    + "raise TimeoutSec= in the folder's file (or validated.conf), or make the run cheaper "
                    + "([Explain] Samples=, [Spurious] Documents=, [Stability] Documents=)"
            ),
            championProblem: nil
        )
    }

    private func run(
        loader: ModelLoader,
        progress: (@Sendable (ValidationProgress) -> Void)?
    ) async -> ValidationOutcome {
        let model: LoadedModel
        do {
            model = try loader.load(modelPath)
        } catch {
            // Remembered by the loader's hasher when the checkpoint could be read: not hashed again.
            return ValidationOutcome(
                path: modelPath,
                sha256: try? loader.fingerprint(modelPath).sha256,
                report: .failure("\(error)"),
                championProblem: nil
            )
        }
        // Stored scores are of the positive class: a multi-class set needs the champion itself.
        let championScores = resources.evaluation.isMultiClass ? nil : championScores
        let (champion, championProblem, replaced) = loadChampion(loader: loader, storedScores: championScores)
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
        var report = await Validator.validate(request, progress: progress)
        if replaced, let championProblem, report.verdict != .error { report.summary += "; \(championProblem)" }
        if resources.cutTexts > 0, report.verdict != .error {
            let limit = settings.maxTextCharacters
            report.summary +=
                "; \(resources.cutTexts) evaluation text(s) longer than \(limit) characters were cut to it "
                + "([Run] MaxTextChars=\(limit))"
        }
        return ValidationOutcome(
            path: modelPath,
            sha256: model.sha256,
            report: report,
            championProblem: championProblem,
            championReplaced: replaced
        )
    }

    /// Loads the champion when it is needed (no stored scores, or new reasons to find), and checks that its file
    /// still holds the content it was promoted with: one that does not is never used as the champion.
    ///
    /// - Returns: The champion, why it could not be used, and whether that is because its content changed.
    private func loadChampion(
        loader: ModelLoader,
        storedScores: [Double]?
    ) -> (LoadedModel?, String?, Bool) {
        guard let championPath, storedScores == nil || settings.spurious.newReasonTop > 0 else {
            return (nil, nil, false)
        }
        let fallback =
            storedScores == nil
            ? "judged on the AUC floor only" : "compared on its stored scores, without new reasons"
        let champion: LoadedModel
        do {
            champion = try loader.load(championPath)
        } catch {
            return (nil, "champion \(error); \(fallback)", false)
        }
        guard let expected = championSHA256, champion.sha256 != expected else { return (champion, nil, false) }
        champion.close()
        let problem =
            "champion file \(championPath) no longer holds the champion (sha256 \(champion.sha256.prefix(12)) ≠ "
            + "stored \(expected.prefix(12))); \(fallback); put the champion's file back or promote another model "
            + "(validatectl promote)"
        return (nil, problem, true)
    }
}

/// What a run is made of: the checkpoint, the evaluation set and banned tokens, the settings, the scorers and
/// the champion. The daemon and `validatectl validate` both make their job from one, so that the gate judges
/// exactly as the daemon would; the daemon takes everything from the folder's configuration
/// (``init(modelPath:folder:)``), the gate may override each part with its options.
public struct JobRecipe: Sendable {
    /// The checkpoint file or folder.
    public var modelPath: String
    /// The evaluation set file (JSON Lines).
    public var evaluationSet: String
    /// Its field names and positive label.
    public var fields: EvaluationFields
    /// The banned-token list, if any.
    public var bannedTokens: String?
    /// Suite settings.
    public var settings: ValidationSettings
    /// External scorers by extension (and `folder` for checkpoint folders).
    public var scorers: [String: ScorerCommand]
    /// The champion's file or folder, if there is one.
    public var championPath: String?
    /// The champion's stored SHA-256, checked against its file before it is used.
    public var championSHA256: String?
    /// The champion's stored scores on the evaluation set with the given fingerprint, from the store; `nil`
    /// (or a `nil` answer) has the champion scored again.
    public var storedChampionScores: (@Sendable (_ evaluationFingerprint: String) -> [Double]?)?

    /// A recipe with everything given.
    public init(
        modelPath: String,
        evaluationSet: String,
        fields: EvaluationFields,
        bannedTokens: String?,
        settings: ValidationSettings,
        scorers: [String: ScorerCommand]
    ) {
        self.modelPath = modelPath
        self.evaluationSet = evaluationSet
        self.fields = fields
        self.bannedTokens = bannedTokens
        self.settings = settings
        self.scorers = scorers
    }

    /// The daemon's recipe for a checkpoint of `folder`: everything from the folder's configuration, no champion.
    public init(modelPath: String, folder: FolderConfiguration) {
        self.init(
            modelPath: modelPath,
            evaluationSet: folder.evaluationSet,
            fields: folder.fields,
            bannedTokens: folder.bannedTokens,
            settings: folder.settings,
            scorers: folder.scorer.byExtension
        )
    }

    /// Reads the evaluation set and banned tokens and makes the job.
    ///
    /// - Parameters:
    ///   - hasher: Fingerprints the checkpoints; the daemon passes the one its intake hashed them with, so a
    ///     checkpoint is hashed once.
    ///   - whileWaitingForScorers: Called at least once a second while a scorer is waited for.
    /// - Throws: ``ResourceError`` when the evaluation set or the banned-token list cannot be used.
    public func job(
        hasher: CheckpointHasher = CheckpointHasher(),
        whileWaitingForScorers: (@Sendable () -> Void)? = nil
    ) throws(ResourceError) -> ValidationJob {
        let resources = try FolderResources.load(
            evaluationSet: evaluationSet,
            fields: fields,
            bannedTokens: bannedTokens,
            maxTextCharacters: settings.maxTextCharacters
        )
        var job = ValidationJob(
            modelPath: modelPath,
            championPath: championPath,
            resources: resources,
            settings: settings
        )
        job.championSHA256 = championSHA256
        job.loader = ModelLoader(scorers: scorers, hasher: hasher, whileWaitingForScorers: whileWaitingForScorers)
        if championPath != nil { job.championScores = storedChampionScores?(resources.evaluationFingerprint) }
        return job
    }
}
