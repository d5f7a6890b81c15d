/// The stability suite's phase: the documents under other seeds and after edits (``FragilityProbe``), in rounds
/// until the verdict settles (``StabilitySettings/settleConfidence``), then the greedy search.
struct StabilityPhase {
    let context: RunContext

    /// The documents a round adds after the first ``StabilitySettings/minimumDocuments``.
    static let roundSize = 2

    /// The report; its cost is the other seeds', the edits' and the search's.
    func run(
        _ plan: ExplanationPlan,
        _ explained: ChallengerExplanations,
        _ scored: ScoredEvaluation
    ) async throws -> StabilityReport {
        let clock = PhaseClock()
        let settings = context.request.settings.stability
        let topK = context.request.settings.spurious.topK
        let candidates = Array(explained.stability)
        var runs: [[Explanation]] = []
        var measured: [ExplainedDocument] = []
        var trials: [PerturbationTrial] = []
        var labelChanged = 0
        while runs.count < candidates.count {
            // Without a settle rule, one round: all documents at once keep every core busy to the end.
            let size =
                (settings.settleConfidence ?? 0) == 0
                ? candidates.count : runs.isEmpty ? max(settings.minimumDocuments, 1) : Self.roundSize
            var round = Array(candidates[runs.count..<min(runs.count + size, candidates.count)])
            let roundRuns = try await seedRuns(of: round, plan: plan, meter: clock.meter)
            for index in round.indices { round[index].positive = roundRuns[index][0] }
            runs += roundRuns
            measured += round
            let edits = try await probe(round, scored: scored, meter: clock.meter).perturbations(
                progress: context.progress
            )
            trials += edits.trials
            labelChanged += edits.labelChanged
            if StabilityCheck.isSettled(runs, perturbations: trials, topK: topK, settings: settings) { break }
        }
        let attacks = try await probe(measured, scored: scored, meter: clock.meter).attacks(progress: context.progress)
        var report = StabilityCheck.evaluate(
            runs,
            perturbations: trials,
            labelChanged: labelChanged,
            attacks: attacks,
            topK: topK,
            settings: settings
        )
        report.plannedDocuments = candidates.count
        if runs.count < candidates.count {
            report.summary += "; settled after \(runs.count) of \(candidates.count) documents"
        }
        report.record(clock.cost)
        return report
    }

    /// Each of `documents`' explanations under every seed, seed 0 first: the spurious suite's when it certified
    /// its top k or ran to the ceiling, else its neighbourhood continued until it does (``ExplanationPlan/seedZero(of:)``).
    private func seedRuns(
        of documents: [ExplainedDocument],
        plan: ExplanationPlan,
        meter: ScoringMeter
    ) async throws -> [[Explanation]] {
        let (explainer, label) = (context.explainer, context.label)
        let model = context.cache.classifier(context.request.challenger, role: .challenger, meter: meter)
        let rows = Set(documents.map(\.planned.row))
        let continued = documents.filter { $0.positive.stop == .settled }.map { plan.seedZero(of: $0.planned) }
        let jobs = continued + plan.jobs(for: .seedStability).filter { rows.contains($0.document.row) }
        let progress = PhaseProgress(phase: .seeds, total: jobs.count, sink: context.progress)
        let seeds = try await ParallelExplaining.run(jobs, progress: progress) { job in
            try explainer.explain(job.text, documentID: job.documentID, label: label, classifier: model, seed: job.seed)
        }
        let byRow = Dictionary(grouping: seeds, by: \.job.document.row)
        return documents.map { document in
            let runs = (byRow[document.planned.row] ?? []).sorted { $0.job.seedIndex < $1.job.seedIndex }.map(\.result)
            return document.positive.stop == .settled ? runs : [document.positive] + runs
        }
    }

    /// The edits' probe over `documents`.
    private func probe(
        _ documents: [ExplainedDocument],
        scored: ScoredEvaluation,
        meter: ScoringMeter
    ) -> FragilityProbe {
        let request = context.request
        return FragilityProbe(
            settings: request.settings.stability,
            modelSHA256: request.challengerSHA256,
            classifier: context.cache.classifier(request.challenger, role: .challenger, meter: meter),
            explainer: context.explainer,
            label: context.label,
            topK: request.settings.spurious.topK,
            documents: documents.map { ($0.planned, $0.positive, scored.predicted[$0.planned.row]) }
        )
    }
}
