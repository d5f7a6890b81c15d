/// The stability suite's phase: the seeds' agreement, and explanations of edited texts (``FragilityProbe``).
struct StabilityPhase {
    let context: RunContext

    /// The report; its cost includes the challenger's other seeds (``ChallengerExplanations/seedCost``).
    func run(_ explained: ChallengerExplanations, _ scored: ScoredEvaluation) async throws -> StabilityReport {
        let clock = PhaseClock()
        let request = context.request
        let topK = request.settings.spurious.topK
        let fragility = try await FragilityProbe(
            settings: request.settings.stability,
            modelSHA256: request.challengerSHA256,
            classifier: context.cache.classifier(request.challenger, role: .challenger, meter: clock.meter),
            explainer: context.explainer,
            label: context.label,
            topK: topK,
            documents: explained.stability.map { entry in
                (entry.document.planned, entry.document.positive, scored.predicted[entry.document.planned.row])
            }
        ).run(progress: context.progress)
        var report = StabilityCheck.evaluate(
            explained.stability.map(\.runs),
            perturbations: fragility.trials,
            labelChanged: fragility.labelChanged,
            attacks: fragility.attacks,
            topK: topK,
            settings: request.settings.stability
        )
        report.record(explained.seedCost + clock.cost)
        return report
    }
}
