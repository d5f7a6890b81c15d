/// Runs the suites and combines their verdicts.
public enum Validator {
    /// Validates a model. Never throws: a model that cannot be evaluated gets an `error` verdict saying why.
    public static func validate(
        _ request: ValidationRequest,
        progress: (@Sendable (ValidationProgress) -> Void)? = nil
    ) async -> ValidationReport {
        let started = ContinuousClock.now
        do {
            var report = try await ValidationRun(RunContext(request, progress: progress)).run()
            report.durationSeconds = PhaseClock.seconds(since: started)
            if let own = report.checks.stability?.seconds, report.durationSeconds > 0 {
                report.checks.stability?.shareOfRun = own / report.durationSeconds
            }
            if let own = report.checks.counterfactual?.seconds, report.durationSeconds > 0 {
                report.checks.counterfactual?.shareOfRun = own / report.durationSeconds
            }
            if let own = report.checks.spurious?.champion?.seconds, report.durationSeconds > 0 {
                report.checks.spurious?.champion?.shareOfRun = own / report.durationSeconds
            }
            return report
        } catch {
            var report = ValidationReport.failure("\(error)")
            report.durationSeconds = PhaseClock.seconds(since: started)
            return report
        }
    }
}

/// What every phase of one validation shares: the request, the challenger's positive class, the explainer,
/// the run's prediction cache and the progress sink.
struct RunContext: Sendable {
    let request: ValidationRequest
    /// The positive class's index among the challenger's classes.
    let label: Int
    let explainer: LimeTextExplainer
    /// Every phase's model calls go through it, so a text is scored once per model and run.
    let cache = PredictionCache()
    let progress: ProgressSink?

    /// - Throws: ``ValidationFailure`` when the challenger lacks the positive class.
    init(_ request: ValidationRequest, progress: ProgressSink?) throws {
        guard let label = request.challenger.classes.firstIndex(of: request.positiveClass) else {
            throw ValidationFailure(
                "the model's classes \(request.challenger.classes) do not include the evaluation set's positive label \"\(request.positiveClass)\"; check the folder's PositiveLabel= or the model's class labels"
            )
        }
        self.request = request
        self.label = label
        explainer = LimeTextExplainer(settings: request.settings.lime)
        self.progress = progress
    }
}

/// One validation as a plan of phases, each with typed input and output, run in order:
///
/// 1. scoring (``EvaluationScoring``): the evaluation set through both models → ``ScoredEvaluation``;
/// 2. AUC (``AUCPhase``): ``ScoredEvaluation`` → ``AUCReport``;
/// 3. explanation plan (``ExplanationPlan``): the documents each suite explains, and their jobs;
/// 4. the challenger's seed-0 explanations (``ChallengerExplaining``): the plan → ``ChallengerExplanations``;
/// 5. spurious features (``SpuriousPhase``): association, the champion's explanations, the policy →
///    ``SpuriousReport``;
/// 6. stability (``StabilityPhase``): seeds and edits in rounds until the verdict settles, then the greedy
///    search → ``StabilityReport``;
/// 7. counterfactual (``CounterfactualPhase``): banned entries erased and injected, leave-one-token-out and the
///    label skew → ``CounterfactualReport``.
///
/// Each suite's report carries its own seconds and model calls. A new suite is a new phase here, with its
/// jobs in the plan (an ``ExplanationPurpose``) and its entry in ``ValidationReport/Checks``.
struct ValidationRun {
    let context: RunContext

    init(_ context: RunContext) {
        self.context = context
    }

    func run() async throws -> ValidationReport {
        let scored = try EvaluationScoring(context: context).run()
        let auc = try AUCPhase(context: context).run(scored)
        let plan = try ExplanationPlan(context.request)
        let explained = try await ChallengerExplaining(context: context).run(plan)
        let spurious = try await SpuriousPhase(context: context).run(plan, explained, scored)
        let stability = try await StabilityPhase(context: context).run(plan, explained, scored)
        let counterfactual = try CounterfactualPhase(context: context).run(plan, explained, scored)
        var report = Self.combine(
            ValidationReport.Checks(spurious: spurious, stability: stability, auc: auc, counterfactual: counterfactual),
            scores: scored.challengerScores
        )
        report.championScores = scored.championScores
        if let truncation = truncation(scored, plan: plan) {
            report.truncation = truncation
            report.summary += "; \(truncation.summary)"
        }
        return report
    }

    /// What the challenger's cut documents amount to, when it cut any.
    private func truncation(_ scored: ScoredEvaluation, plan: ExplanationPlan) -> TruncationReport? {
        guard !scored.truncatedRows.isEmpty,
            let length = (context.request.challenger as? any TruncatingClassifier)?.maximumInputLength
        else { return nil }
        let documents = context.request.evaluation.documents
        let cut = Set(scored.truncatedRows)
        return TruncationReport(
            maximumLength: length,
            documents: scored.truncatedRows.count,
            ofDocuments: documents.count,
            explained: plan.documents.filter { cut.contains($0.row) }.count,
            examples: scored.truncatedRows.prefix(TruncationReport.exampleCount).map { documents[$0].id }
        )
    }

    /// The report of the suites' results: the worst verdict, the failing suites' summaries (the AUC's when all
    /// pass), and the model calls of all of them.
    static func combine(_ checks: ValidationReport.Checks, scores: [Double]) -> ValidationReport {
        let suites: [(name: String, verdict: Verdict, summary: String, cost: (any CostedReport)?)] = [
            ("spurious features", checks.spurious?.verdict ?? .pass, checks.spurious?.summary ?? "", checks.spurious),
            ("stability", checks.stability?.verdict ?? .pass, checks.stability?.summary ?? "", checks.stability),
            ("AUC", checks.auc?.verdict ?? .pass, checks.auc?.summary ?? "", checks.auc),
            (
                "counterfactual", checks.counterfactual?.verdict ?? .pass, checks.counterfactual?.summary ?? "",
                checks.counterfactual
            ),
        ]
        let verdict = max(.pass, suites.map(\.verdict).max() ?? .pass)
        let failing = suites.filter { $0.verdict == verdict && verdict != .pass }
        let summary =
            failing.isEmpty
            ? checks.auc?.summary ?? "" : failing.map { "\($0.name): \($0.summary)" }.joined(separator: "; ")
        var report = ValidationReport(
            verdict: verdict,
            summary: summary,
            error: nil,
            checks: checks,
            durationSeconds: 0,
            scores: scores
        )
        report.modelCalls = suites.compactMap { $0.cost?.modelCalls }.reduce(0, +)
        report.cachedCalls = suites.compactMap { $0.cost?.cachedCalls }.reduce(0, +)
        report.sampling = suites.compactMap { $0.cost?.sampling }.reduce(nil) { sum, next in
            sum.map { $0 + next } ?? next
        }
        return report
    }
}

/// Why a validation could not run; it becomes the report's error.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
