/// The spurious-feature suite's phase: the token association over the evaluation set, the champion's
/// explanations of the same documents, and the policy on the challenger's explanations.
struct SpuriousPhase {
    let context: RunContext

    /// The report; its cost includes the challenger's seed-0 explanations (``ChallengerExplanations/primaryCost``).
    func run(
        _ plan: ExplanationPlan,
        _ explained: ChallengerExplanations,
        _ scored: ScoredEvaluation
    ) async throws -> SpuriousReport {
        let clock = PhaseClock()
        let request = context.request
        let settings = request.settings.spurious
        let classes = request.challenger.classes
        let association = TokenAssociationCheck.evaluate(
            words: plan.words,
            predicted: scored.predicted.map { classes[$0] },
            labels: request.evaluation.documents.map(\.label),
            banned: request.banned,
            settings: settings
        )
        let champion = try await explainChampion(plan, meter: clock.meter)
        let texts = Dictionary(
            plan.documents.map { ($0.document.id, $0.document.text) },
            uniquingKeysWith: { first, _ in first }
        )
        var report = SpuriousCheck.evaluate(
            explained.primary.flatMap(\.explained),
            texts: texts,
            banned: request.banned,
            settings: settings,
            association: association,
            championExplanations: champion.explanations
        )
        if let error = champion.error {
            report.champion = SpuriousReport.ChampionComparison(
                explained: 0,
                top: settings.newReasonTop,
                newReasons: [],
                championImportance: [],
                seconds: 0,
                error: error
            )
        }
        report.champion?.seconds = champion.seconds
        report.record(explained.primaryCost + clock.cost)
        return report
    }

    /// The champion's explanations of the plan's documents under the challenger's seeds, so that both models see
    /// the same neighbourhoods and the difference is the models'; or why they could not be computed. None without
    /// a champion or with ``SpuriousSettings/newReasonTop`` 0.
    private func explainChampion(
        _ plan: ExplanationPlan,
        meter: ScoringMeter
    ) async throws -> (explanations: [Explanation]?, error: String?, seconds: Double) {
        let request = context.request
        guard let champion = request.champion, request.settings.spurious.newReasonTop > 0 else { return (nil, nil, 0) }
        let started = ContinuousClock.now
        let explainer = context.explainer
        do {
            guard let championLabel = champion.classes.firstIndex(of: request.positiveClass) else {
                throw ValidationFailure(
                    "the champion's classes \(champion.classes) do not include \"\(request.positiveClass)\""
                )
            }
            let theirs = try LabelRequest(request.settings.labels, classes: champion.classes, positive: championLabel)
            let model = context.cache.classifier(champion, role: .champion, meter: meter)
            let jobs = plan.jobs(for: .championComparison)
            let progress = PhaseProgress(phase: .explainingChampion, total: jobs.count, sink: context.progress)
            let explained = try await ParallelExplaining.run(jobs, progress: progress) { job in
                try theirs.explain(job, explainer: explainer, classifier: model)
            }
            return (explained.flatMap(\.result), nil, PhaseClock.seconds(since: started))
        } catch let error as CancellationError {
            throw error
        } catch {
            return (nil, "the champion could not be explained: \(error)", PhaseClock.seconds(since: started))
        }
    }
}
