import Foundation

/// What to validate: a challenger, perhaps a champion, and the folder's data and settings.
public struct ValidationRequest: Sendable {
    /// The model being judged.
    public var challenger: any TextClassifier
    /// Its content hash; explanation seeds derive from it.
    public var challengerSHA256: String
    /// The current champion, if the folder has one.
    public var champion: (any TextClassifier)?
    /// The champion's content hash.
    public var championSHA256: String?
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
        championSHA256: String? = nil, championScores: [Double]? = nil, evaluation: EvaluationSet,
        positiveClass: String = "1",
        banned: BannedTokenList = .empty, settings: ValidationSettings = ValidationSettings()
    ) {
        self.challenger = challenger
        self.challengerSHA256 = challengerSHA256
        self.champion = champion
        self.championSHA256 = championSHA256
        self.championScores = championScores
        self.evaluation = evaluation
        self.positiveClass = positiveClass
        self.banned = banned
        self.settings = settings
    }
}

/// How far a validation has come.
public struct ValidationProgress: Sendable, Equatable {
    /// The phase: `scoring`, `explaining`.
    public var phase: String
    /// Units done in this phase.
    public var done: Int
    /// Units in this phase.
    public var total: Int
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
            throw ExplanationError(
                description: "the model's classes \(request.challenger.classes) do not include the evaluation set's positive label \"\(request.positiveClass)\""
            )
        }
        let positives = documents.map(\.isPositive)
        let labels = documents.map(\.label)
        let multiClass = Set(labels).count > 2
        let challengerColumns = try score(request.challenger, documents, progress: progress)
        let challengerScores = challengerColumns[label]
        var championColumns: [[Double]]?
        var championScores = request.championScores
        if multiClass || championScores?.count != documents.count { championScores = nil }
        if championScores == nil, let champion = request.champion,
            let championLabel = champion.classes.firstIndex(of: request.positiveClass)
        {
            championColumns = try score(champion, documents, progress: nil)
            championScores = championColumns?[championLabel]
        }
        let auc: AUCReport
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
            throw ExplanationError(description: "AUC: \(error)")
        }

        let chosen = spread(documents, count: request.settings.spurious.documents)
        let stabilityCount = min(request.settings.stability.documents, chosen.count)
        let seeds = max(request.settings.stability.seeds, 1)
        var jobs: [(document: LabeledDocument, seedIndex: Int)] = chosen.map { ($0, 0) }
        for document in chosen.prefix(stabilityCount) {
            for seedIndex in 1..<seeds { jobs.append((document, seedIndex)) }
        }
        let explainer = LimeTextExplainer(settings: request.settings.lime)
        let results = try await explainInParallel(jobs, explainer: explainer, request: request, label: label, progress: progress)

        let primary = results.filter { $0.seedIndex == 0 }.map(\.explanation)
        let texts = Dictionary(chosen.map { ($0.id, $0.text) }, uniquingKeysWith: { first, _ in first })
        let spurious = SpuriousCheck.evaluate(primary, texts: texts, banned: request.banned, settings: request.settings.spurious)
        let perDocument = chosen.prefix(stabilityCount).map { document in
            results.filter { $0.explanation.documentID == document.id }.sorted { $0.seedIndex < $1.seedIndex }.map(\.explanation)
        }
        let stability = StabilityCheck.evaluate(
            perDocument, topK: request.settings.spurious.topK, settings: request.settings.stability
        )

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

    /// Every class's probability for every document: one column per class, in the classifier's class order.
    private static func score(
        _ classifier: any TextClassifier, _ documents: [LabeledDocument],
        progress: (@Sendable (ValidationProgress) -> Void)?
    ) throws -> [[Double]] {
        let classes = classifier.classes.count
        var columns = [[Double]](repeating: [], count: classes)
        for start in stride(from: 0, to: documents.count, by: scoringBatch) {
            let batch = documents[start..<min(start + scoringBatch, documents.count)].map(\.text)
            let probabilities = try classifier.predictProbabilities(batch)
            guard probabilities.rows == batch.count, probabilities.columns == classes else {
                throw ExplanationError(
                    description: "the model returned \(probabilities.rows) rows of \(probabilities.columns) classes for \(batch.count) texts and \(classes) classes"
                )
            }
            for column in 0..<classes { columns[column].append(contentsOf: probabilities.column(column)) }
            progress?(ValidationProgress(phase: "scoring", done: columns[0].count, total: documents.count))
        }
        return columns
    }

    private struct ExplainResult: Sendable {
        var seedIndex: Int
        var explanation: Explanation
    }

    private static func explainInParallel(
        _ jobs: [(document: LabeledDocument, seedIndex: Int)], explainer: LimeTextExplainer, request: ValidationRequest,
        label: Int, progress: (@Sendable (ValidationProgress) -> Void)?
    ) async throws -> [ExplainResult] {
        let width = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        let classifier = request.challenger
        let sha = request.challengerSHA256
        return try await withThrowingTaskGroup(of: ExplainResult?.self) { group in
            var results: [ExplainResult] = []
            var next = 0
            func add() {
                guard next < jobs.count else { return }
                let job = jobs[next]
                next += 1
                group.addTask {
                    let seed = ExplanationSeed.derive(modelSHA256: sha, documentID: job.document.id, seedIndex: job.seedIndex)
                    do {
                        let explanation = try explainer.explain(
                            job.document.text, documentID: job.document.id, label: label, classifier: classifier, seed: seed
                        )
                        return ExplainResult(seedIndex: job.seedIndex, explanation: explanation)
                    } catch is ExplanationError {
                        return nil  // A document without words has nothing to explain; it is skipped.
                    }
                }
            }
            for _ in 0..<width { add() }
            while let result = try await group.next() {
                if let result { results.append(result) }
                progress?(ValidationProgress(phase: "explaining", done: results.count, total: jobs.count))
                try Task.checkCancellation()
                add()
            }
            return results
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
