/// A planned document with the challenger's seed-0 explanations of it.
struct ExplainedDocument: Sendable {
    /// The document.
    var planned: PlannedDocument
    /// The explanation of the positive class.
    var positive: Explanation
    /// The explanations of the classes the spurious suite asks for (``LabelRequest``).
    var explained: [Explanation]
}

/// The challenger-explanation phase's output, for the spurious and the stability suites.
struct ChallengerExplanations: Sendable {
    /// The spurious suite's documents, in plan order, with their seed-0 explanations.
    var primary: [ExplainedDocument]
    /// The stability suite's documents, each with its positive-class explanations under every seed, seed 0 first.
    var stability: [(document: ExplainedDocument, runs: [Explanation])]
    /// What the seed-0 explanations cost: the spurious suite's.
    var primaryCost: PhaseCost
    /// What the other seeds cost: the stability suite's.
    var seedCost: PhaseCost
}

/// The challenger-explanation phase: the plan's seed-0 explanations, then the stability documents' other seeds,
/// reported as one `explaining` phase.
struct ChallengerExplaining {
    let context: RunContext

    /// - Throws: ``ValidationFailure`` when ``ExplainedLabels`` names a class the model lacks or the model fails,
    ///   ``ExplanationError`` when an explanation cannot be computed.
    func run(_ plan: ExplanationPlan) async throws -> ChallengerExplanations {
        let (explainer, label, challenger) = (context.explainer, context.label, context.request.challenger)
        let primaryJobs = plan.jobs(for: .primary)
        let seedJobs = plan.jobs(for: .seedStability)
        let progress = PhaseProgress(
            phase: .explaining,
            total: primaryJobs.count + seedJobs.count,
            sink: context.progress
        )
        let wanted = try LabelRequest(context.request.settings.labels, classes: challenger.classes, positive: label)

        let primaryClock = PhaseClock()
        let model = context.cache.classifier(challenger, role: .challenger, meter: primaryClock.meter)
        let primary = try await ParallelExplaining.run(primaryJobs, progress: progress) { job in
            try wanted.explain(job, explainer: explainer, classifier: model, positive: label)
        }
        let primaryCost = primaryClock.cost

        let seedClock = PhaseClock()
        let seedModel = context.cache.classifier(challenger, role: .challenger, meter: seedClock.meter)
        let seeds = try await ParallelExplaining.run(seedJobs, progress: progress.after(primaryJobs.count)) { job in
            try explainer.explain(
                job.text,
                documentID: job.documentID,
                label: label,
                classifier: seedModel,
                seed: job.seed
            )
        }
        let seedCost = seedClock.cost

        let documents = primary.map { job, result in
            ExplainedDocument(planned: job.document, positive: result.positive, explained: result.explained)
        }
        let otherSeeds = Dictionary(grouping: seeds, by: \.job.document.row)
        let stability = documents.prefix(plan.stabilityCount).map { document in
            let others = (otherSeeds[document.planned.row] ?? []).sorted { $0.job.seedIndex < $1.job.seedIndex }
            return (document: document, runs: [document.positive] + others.map(\.result))
        }
        return ChallengerExplanations(
            primary: documents,
            stability: stability,
            primaryCost: primaryCost,
            seedCost: seedCost
        )
    }
}
