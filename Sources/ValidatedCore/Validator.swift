import Foundation

/// What to validate: a challenger, perhaps a champion, and the folder's data and settings.
public struct ValidationRequest: Sendable {
    /// The model being judged.
    public var challenger: any TextClassifier
    /// Its content hash; explanation seeds derive from it.
    public var challengerSHA256: String
    /// The current champion, if the folder has one.
    public var champion: (any TextClassifier)?
    /// The champion's probabilities of the positive class on ``evaluation``, when already known; the champion
    /// is then not scored again.
    public var championScores: [Double]?
    /// The evaluation set.
    public var evaluation: EvaluationSet
    /// The positive class label, as in the classifiers' ``TextClassifier/classes``. Default `1`.
    public var positiveClass: String
    /// The banned tokens.
    public var banned: BannedTokenList
    /// Suite settings.
    public var settings: ValidationSettings

    /// Creates a request.
    public init(
        challenger: any TextClassifier, challengerSHA256: String, champion: (any TextClassifier)? = nil,
        championScores: [Double]? = nil, evaluation: EvaluationSet,
        positiveClass: String = "1",
        banned: BannedTokenList = .empty, settings: ValidationSettings = ValidationSettings()
    ) {
        self.challenger = challenger
        self.challengerSHA256 = challengerSHA256
        self.champion = champion
        self.championScores = championScores
        self.evaluation = evaluation
        self.positiveClass = positiveClass
        self.banned = banned
        self.settings = settings
    }
}

/// How far a validation has come.
public struct ValidationProgress: Sendable, Equatable {
    /// The phase: `scoring` (documents of the evaluation set), `explaining` (LIME explanations) or
    /// `explaining champion` (the champion's explanations of the same documents).
    public var phase: String
    /// Units done in this phase.
    public var done: Int
    /// Units in this phase.
    public var total: Int

    /// Creates a progress report.
    public init(phase: String, done: Int, total: Int) {
        self.phase = phase
        self.done = done
        self.total = total
    }
}

/// Runs the three suites and combines their verdicts.
public enum Validator {
    /// Texts per classifier call when scoring the evaluation set.
    static let scoringBatch = 512

    /// Validates a model. Never throws: a model that cannot be evaluated gets an `error` verdict saying why.
    public static func validate(
        _ request: ValidationRequest, progress: (@Sendable (ValidationProgress) -> Void)? = nil
    ) async -> ValidationReport {
        let started = ContinuousClock.now
        do {
            var report = try await run(request, progress: progress)
            report.durationSeconds = seconds(since: started)
            if let own = report.checks.stability?.seconds, report.durationSeconds > 0 {
                report.checks.stability?.shareOfRun = own / report.durationSeconds
            }
            if let own = report.checks.spurious?.champion?.seconds, report.durationSeconds > 0 {
                report.checks.spurious?.champion?.shareOfRun = own / report.durationSeconds
            }
            return report
        } catch {
            var report = ValidationReport.failure("\(error)")
            report.durationSeconds = seconds(since: started)
            return report
        }
    }

    private static func run(
        _ request: ValidationRequest, progress: (@Sendable (ValidationProgress) -> Void)?
    ) async throws -> ValidationReport {
        let documents = request.evaluation.documents
        guard let label = request.challenger.classes.firstIndex(of: request.positiveClass) else {
            throw ValidationFailure(
                "the model's classes \(request.challenger.classes) do not include the evaluation set's positive label \"\(request.positiveClass)\"; check the folder's PositiveLabel= or the model's class labels"
            )
        }
        let positives = documents.map(\.isPositive)
        let labels = documents.map(\.label)
        let multiClass = request.evaluation.isMultiClass
        let evaluationTexts = documents.map(\.text)
        let documentName = { (row: Int) in "evaluation document \(documents[row].id)" }
        let challengerColumns = try score(
            request.challenger, evaluationTexts, plural: "evaluation documents", name: documentName, progress: progress
        )
        let challengerScores = challengerColumns[label]
        var championColumns: [[Double]]?
        var championScores = request.championScores
        if multiClass || championScores?.count != documents.count { championScores = nil }
        var championScoringError: String?
        // A champion that cannot be scored is the champion's problem, not the challenger's: the challenger is
        // judged on the floor alone, as when the champion cannot be loaded.
        if championScores == nil, let champion = request.champion {
            if let championLabel = champion.classes.firstIndex(of: request.positiveClass) {
                do {
                    championColumns = try score(
                        champion, evaluationTexts, role: "the champion", plural: "evaluation documents", name: documentName
                    )
                    championScores = championColumns?[championLabel]
                } catch {
                    championScoringError = "\(error)"
                }
            } else {
                championScoringError =
                    "the champion's classes \(champion.classes) do not include the positive label \"\(request.positiveClass)\" (PositiveLabel=)"
            }
        }
        var auc: AUCReport
        do {
            if multiClass {
                let byLabel = { (classes: [String], columns: [[Double]]) in
                    Dictionary(zip(classes, columns), uniquingKeysWith: { first, _ in first })
                }
                auc = try AUCCheck.evaluateMultiClass(
                    challenger: byLabel(request.challenger.classes, challengerColumns),
                    champion: championColumns.map { byLabel(request.champion?.classes ?? [], $0) },
                    labels: labels, settings: request.settings.auc
                )
            } else {
                auc = try AUCCheck.evaluate(
                    challenger: challengerScores, champion: championScores, positives: positives,
                    settings: request.settings.auc
                )
            }
        } catch {
            throw ValidationFailure("AUC: \(error)")
        }
        if let championScoringError {
            auc.championError = championScoringError
            auc.summary += "; \(championScoringError), so it was judged on the floor alone"
        }

        // Documents without a feature (a word, or with [Explain] CharLevel= a character) have nothing for LIME
        // to perturb; the choice ignores them, and is the same for every model so champion and challenger are
        // explained on the same documents. The same split gives the token association its tokens.
        let lime = request.settings.lime
        if let problem = lime.problem { throw ValidationFailure("[Explain]: \(problem)") }
        let words = documents.map { (try? lime.indexedText($0.text))?.words ?? [] }
        let explainable = zip(documents, words).filter { !$0.1.isEmpty }.map(\.0)
        guard !explainable.isEmpty else {
            throw ValidationFailure("no document of the evaluation set has a word to explain (LIME's split: \(lime.featureDescription))")
        }
        let classes = request.challenger.classes
        let predictedIndex = predictedClasses(challengerColumns)
        let predicted = predictedIndex.map { classes[$0] }
        let association = TokenAssociationCheck.evaluate(
            words: words, predicted: predicted, labels: labels, banned: request.banned, settings: request.settings.spurious
        )
        let chosen = spread(explainable, count: request.settings.spurious.documents)
        let stabilityCount = min(request.settings.stability.documents, chosen.count)
        let seeds = max(request.settings.stability.seeds, 1)
        let sha = request.challengerSHA256
        // Jobs 0..<chosen.count are seed 0 of each chosen document; then the other seeds of the first
        // `stabilityCount`, document by document.
        var jobs = chosen.map { ExplainJob(document: $0, seedIndex: 0, modelSHA256: sha) }
        for document in chosen.prefix(stabilityCount) {
            for seedIndex in 1..<seeds { jobs.append(ExplainJob(document: document, seedIndex: seedIndex, modelSHA256: sha)) }
        }
        let explainer = LimeTextExplainer(settings: request.settings.lime)
        let explaining = ContinuousClock.now
        let wanted = try LabelRequest(request.settings.labels, classes: classes, positive: label)
        let primaryCount = chosen.count
        let all = try await explainEach(jobs, progress: progress, phase: "explaining") { index, job in
            if index < primaryCount {
                return try wanted.explain(job, explainer: explainer, classifier: request.challenger, positive: label)
            }
            let own = try explainer.explain(job.text, documentID: job.documentID, label: label, classifier: request.challenger, seed: job.seed)
            return (own, [])
        }
        let explainSeconds = seconds(since: explaining)

        let primary = all.prefix(chosen.count).map(\.positive)
        let explained = all.prefix(chosen.count).flatMap(\.explained)
        let results = all.dropFirst(chosen.count).map(\.positive)
        let texts = Dictionary(chosen.map { ($0.id, $0.text) }, uniquingKeysWith: { first, _ in first })
        let comparing = ContinuousClock.now
        var championExplanations: [Explanation]?
        var championError: String?
        if let champion = request.champion, request.settings.spurious.newReasonTop > 0 {
            // The challenger's documents and seeds: both models see the same neighbourhoods, so the difference is
            // the models'.
            do {
                guard let championLabel = champion.classes.firstIndex(of: request.positiveClass) else {
                    throw ValidationFailure("the champion's classes \(champion.classes) do not include \"\(request.positiveClass)\"")
                }
                let theirs = try LabelRequest(request.settings.labels, classes: champion.classes, positive: championLabel)
                championExplanations = try await explainEach(
                    Array(jobs.prefix(chosen.count)), progress: progress, phase: "explaining champion"
                ) { _, job in
                    try theirs.explain(job, explainer: explainer, classifier: champion)
                }.flatMap { $0 }
            } catch let error as CancellationError {
                throw error
            } catch {
                championError = "the champion could not be explained: \(error)"
            }
        }
        var spurious = SpuriousCheck.evaluate(
            explained, texts: texts, banned: request.banned, settings: request.settings.spurious, association: association,
            championExplanations: championExplanations
        )
        if let championError {
            spurious.champion = SpuriousReport.ChampionComparison(
                explained: 0, top: request.settings.spurious.newReasonTop, newReasons: [], championImportance: [], seconds: 0,
                error: championError
            )
        }
        spurious.champion?.seconds = seconds(since: comparing)
        let perDocument = (0..<stabilityCount).map { document in
            let others = document * (seeds - 1)
            return [primary[document]] + results[others..<(others + seeds - 1)]
        }
        let perturbing = ContinuousClock.now
        let rowOfDocument = Dictionary(documents.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let fragility = try await FragilityProbe(
            request: request, explainer: explainer, label: label, topK: request.settings.spurious.topK,
            documents: zip(chosen.prefix(stabilityCount), primary).map { document, explanation in
                (document, explanation, predictedIndex[rowOfDocument[document.id]!])
            }
        ).run(progress: progress)
        var stability = StabilityCheck.evaluate(
            perDocument, perturbations: fragility.trials, labelChanged: fragility.labelChanged, attacks: fragility.attacks,
            topK: request.settings.spurious.topK, settings: request.settings.stability
        )
        let seedShare = jobs.isEmpty ? 0 : Double(jobs.count - chosen.count) / Double(jobs.count)
        stability.seconds = explainSeconds * seedShare + seconds(since: perturbing)

        let checks = ValidationReport.Checks(spurious: spurious, stability: stability, auc: auc)
        let verdict = max(spurious.verdict, stability.verdict, auc.verdict)
        let failing = [("spurious features", spurious.verdict, spurious.summary), ("stability", stability.verdict, stability.summary), ("AUC", auc.verdict, auc.summary)]
            .filter { $0.1 == verdict && verdict != .pass }
        let summary = failing.isEmpty ? auc.summary : failing.map { "\($0.0): \($0.2)" }.joined(separator: "; ")
        return ValidationReport(
            verdict: verdict, summary: summary, error: nil, checks: checks, durationSeconds: 0, scores: challengerScores
        )
    }

    /// Up to `count` documents spread evenly over the set, in set order: the same choice for every model.
    static func spread(_ documents: [LabeledDocument], count: Int) -> [LabeledDocument] {
        guard count < documents.count else { return documents }
        guard count > 0 else { return [] }
        return (0..<count).map { documents[$0 * documents.count / count] }
    }

    /// Every class's probability for every text: one column per class, in the classifier's class order.
    ///
    /// - Parameters:
    ///   - role: The classifier in messages, `the model` or `the champion`.
    ///   - plural: What the texts are, for messages (`evaluation documents`).
    ///   - name: The name of text `i` in messages (`evaluation document test-3`).
    /// - Throws: ``ValidationFailure`` when the classifier fails, returns the wrong shape, or a row that is not a
    ///   probability distribution.
    private static func score(
        _ classifier: any TextClassifier, _ texts: [String], role: String = "the model", plural: String,
        name: (Int) -> String, progress: (@Sendable (ValidationProgress) -> Void)? = nil
    ) throws -> [[Double]] {
        let classes = classifier.classes.count
        var columns = [[Double]](repeating: [], count: classes)
        for start in stride(from: 0, to: texts.count, by: scoringBatch) {
            let batch = Array(texts[start..<min(start + scoringBatch, texts.count)])
            let probabilities: ProbabilityMatrix
            do {
                probabilities = try classifier.predictProbabilities(batch)
            } catch {
                throw ValidationFailure("\(role) failed to score \(plural) \(start + 1)–\(start + batch.count): \(error)")
            }
            guard probabilities.rows == batch.count, probabilities.columns == classes else {
                throw ValidationFailure(
                    "\(role) returned \(probabilities.rows) rows of \(probabilities.columns) classes for \(batch.count) texts and "
                        + "\(classes) classes; its output must have one row per text and one column per class it announces"
                )
            }
            for row in 0..<batch.count {
                if let problem = probabilities.problem(inRow: row) {
                    throw ValidationFailure(
                        "\(role)'s output for \(name(start + row)) is unusable: \(problem) "
                            + "(overflowing weights, or a scorer that does not return probabilities)"
                    )
                }
            }
            for column in 0..<classes { columns[column].append(contentsOf: probabilities.column(column)) }
            progress?(ValidationProgress(phase: "scoring", done: columns[0].count, total: texts.count))
        }
        return columns
    }

    /// The index of the largest value of each row of `columns`, the first one on a tie.
    static func predictedClasses(_ columns: [[Double]]) -> [Int] {
        guard let rows = columns.first?.count else { return [] }
        return (0..<rows).map { row in
            columns.indices.max { (columns[$0][row], $1) < (columns[$1][row], $0) } ?? 0
        }
    }

    /// Runs `body` on every job (with its index), at most one per core at a time; the results in job order. A
    /// failure of the model (anything but an ``ExplanationError`` or a ``ValidationFailure``) is reported naming
    /// the document.
    static func explainEach<Result: Sendable>(
        _ jobs: [ExplainJob], progress: (@Sendable (ValidationProgress) -> Void)?, phase: String,
        _ body: @escaping @Sendable (Int, ExplainJob) throws -> Result
    ) async throws -> [Result] {
        let width = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        return try await withThrowingTaskGroup(of: (job: Int, result: Result).self) { group in
            var results: [Result?] = Array(repeating: nil, count: jobs.count)
            var next = 0, done = 0
            func add() {
                guard next < jobs.count else { return }
                let job = jobs[next]
                let index = next
                next += 1
                group.addTask {
                    do {
                        return (index, try body(index, job))
                    } catch let error as ExplanationError {
                        throw error
                    } catch let error as ValidationFailure {
                        throw error
                    } catch {
                        throw ValidationFailure("the model failed while explaining document \(job.documentID): \(error)")
                    }
                }
            }
            for _ in 0..<width { add() }
            while let (job, result) = try await group.next() {
                results[job] = result
                done += 1
                progress?(ValidationProgress(phase: phase, done: done, total: jobs.count))
                try Task.checkCancellation()
                add()
            }
            return results.compactMap { $0 }
        }
    }

    /// The predicted class (highest probability) of each edited text.
    static func predictedClasses(_ texts: [String], classifier: any TextClassifier) throws -> [Int] {
        predictedClasses(try score(classifier, texts, plural: "perturbed texts", name: { "perturbed text \($0 + 1)" }))
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// One explanation to compute: a text, the document it stands for, and its seed.
struct ExplainJob: Sendable {
    var documentID: String
    var text: String
    var seed: UInt64

    /// Seed `seedIndex` of `document` for the model with content hash `modelSHA256`.
    init(document: LabeledDocument, seedIndex: Int, modelSHA256: String) {
        self.init(documentID: document.id, text: document.text, seed: ExplanationSeed.derive(modelSHA256: modelSHA256, documentID: document.id, seedIndex: seedIndex))
    }

    init(documentID: String, text: String, seed: UInt64) {
        self.documentID = documentID
        self.text = text
        self.seed = seed
    }
}

/// The classes the spurious suite explains, resolved against one model's classes.
struct LabelRequest: Sendable {
    /// Class indices explained from one neighbourhood, the positive class first; `nil` with ``top``.
    var indices: [Int]?
    /// The number of most probable classes explained, for ``ExplainedLabels/top(_:)``.
    var top: Int

    /// Resolves `labels` against `classes`.
    ///
    /// - Throws: ``ValidationFailure`` naming a class the model does not have.
    init(_ labels: ExplainedLabels, classes: [String], positive: Int) throws {
        switch labels {
        case .positive:
            indices = [positive]
            top = 0
        case .classes(let names):
            var indices = [positive]
            for name in names {
                guard let index = classes.firstIndex(of: name) else {
                    throw ValidationFailure("[Explain] Labels= names the class \"\(name)\", which is not one of the model's classes \(classes); correct Labels=")
                }
                if !indices.contains(index) { indices.append(index) }
            }
            self.indices = indices
            top = 0
        case .top(let count):
            indices = nil
            top = count
        }
    }

    /// The job's explanations of the wanted classes, from one neighbourhood.
    func explain(_ job: ExplainJob, explainer: LimeTextExplainer, classifier: any TextClassifier) throws -> [Explanation] {
        if let indices {
            return try explainer.explain(job.text, documentID: job.documentID, labels: indices, classifier: classifier, seed: job.seed)
        }
        return try explainer.explain(job.text, documentID: job.documentID, topLabels: top, classifier: classifier, seed: job.seed)
    }

    /// The job's explanations of the wanted classes, and of the positive class (from the same neighbourhood when
    /// it is among them; otherwise explained on its own, with the same seed).
    func explain(
        _ job: ExplainJob, explainer: LimeTextExplainer, classifier: any TextClassifier, positive: Int
    ) throws -> (positive: Explanation, explained: [Explanation]) {
        let explained = try explain(job, explainer: explainer, classifier: classifier)
        if let own = explained.first(where: { $0.label == positive }) { return (own, explained) }
        let own = try explainer.explain(job.text, documentID: job.documentID, label: positive, classifier: classifier, seed: job.seed)
        return (own, explained)
    }
}

/// Why a validation could not run; it becomes the report's error.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
