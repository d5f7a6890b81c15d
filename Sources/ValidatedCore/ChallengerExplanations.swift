/// A planned document with the challenger's seed-0 explanations of it.
struct ExplainedDocument: Sendable {
    /// The document.
    var planned: PlannedDocument
    /// The explanation of the positive class.
    var positive: Explanation
    /// The explanations of the classes the spurious suite asks for (``LabelRequest``).
    var explained: [Explanation]
}

/// The challenger-explanation phase's output, for the spurious, stability and counterfactual suites.
struct ChallengerExplanations: Sendable {
    /// The spurious suite's documents, in plan order, with their seed-0 explanations.
    var primary: [ExplainedDocument]
    /// How many of ``primary``, the first, the stability suite may re-explain.
    var stabilityCount: Int
    /// What the seed-0 explanations cost: the spurious suite's.
    var primaryCost: PhaseCost

    /// The documents the stability suite may re-explain, in plan order.
    var stability: ArraySlice<ExplainedDocument> { primary.prefix(stabilityCount) }
}

/// The challenger-explanation phase: the plan's seed-0 explanations, reported as the `explaining` phase.
struct ChallengerExplaining {
    let context: RunContext

    /// - Throws: ``ValidationFailure`` when ``ExplainedLabels`` names a class the model lacks or the model fails,
    ///   ``ExplanationError`` when an explanation cannot be computed.
    func run(_ plan: ExplanationPlan) async throws -> ChallengerExplanations {
        let (explainer, label, challenger) = (context.explainer, context.label, context.request.challenger)
        let jobs = plan.jobs(for: .primary)
        let progress = PhaseProgress(phase: .explaining, total: jobs.count, sink: context.progress)
        let wanted = try LabelRequest(context.request.settings.labels, classes: challenger.classes, positive: label)
        let clock = PhaseClock()
        let model = context.cache.classifier(challenger, role: .challenger, meter: clock.meter)
        let primary = try await ParallelExplaining.run(jobs, progress: progress) { job in
            try wanted.explain(job, explainer: explainer, classifier: model, positive: label)
        }
        return ChallengerExplanations(
            primary: primary.map { job, result in
                ExplainedDocument(planned: job.document, positive: result.positive, explained: result.explained)
            },
            stabilityCount: plan.stabilityCount,
            primaryCost: clock.cost
        )
    }
}
