/// Explains documents again after small label-preserving edits, at random and by a greedy search for the edits
/// that move the explanation most. Everything is seeded by document, so reruns make the same edits.
struct FragilityProbe {
    let settings: StabilitySettings
    /// The challenger's hash, from which the edited texts' seeds derive.
    let modelSHA256: String
    /// The challenger, as the stability phase scores it.
    let classifier: any TextClassifier
    let explainer: LimeTextExplainer
    let label: Int
    let topK: Int
    /// The documents, their seed-0 explanations and their predicted classes (from the scoring of the evaluation
    /// set, so they are not scored again).
    let documents: [(document: PlannedDocument, explanation: Explanation, predicted: Int)]

    /// Random label-preserving edits of every document, explained: the trials, and how many edits changed the
    /// predicted label and were dropped. None with ``StabilitySettings/perturbations`` 0.
    func perturbations(progress: ProgressSink?) async throws -> (trials: [PerturbationTrial], labelChanged: Int) {
        guard settings.perturbations > 0, !documents.isEmpty else { return ([], 0) }
        var candidates: [(document: Int, perturbed: PerturbedText)] = []
        for (index, entry) in documents.enumerated() {
            let perturber = TextPerturber(protected: Set(entry.explanation.top(topK).map(\.feature)))
            var generator = SeededGenerator(
                seed: ExplanationSeed.derive(
                    modelSHA256: "perturbation",
                    documentID: entry.document.document.id,
                    seedIndex: 0
                )
            )
            // Distinct edited texts only; a short text may allow fewer than asked for.
            var texts: Set<String> = []
            for _ in 0..<(settings.perturbations * 3) where texts.count < settings.perturbations {
                guard let edited = perturber.randomEdit(of: entry.document.document.text, using: &generator) else {
                    break
                }
                guard texts.insert(edited.text).inserted else { continue }
                candidates.append((index, PerturbedText(text: edited.text, edits: [edited.edit])))
            }
        }
        let (kept, changed) = try labelPreserving(candidates, originalClasses: documents.map(\.predicted))
        let explanations = try await explain(kept, phase: .perturbations, with: explainer, progress: progress)
        let trials = zip(kept, explanations).map { candidate, explanation in
            let entry = documents[candidate.document]
            return PerturbationTrial(
                original: entry.document.document.text,
                perturbed: candidate.perturbed,
                originalExplanation: entry.explanation,
                perturbedExplanation: explanation,
                features: explainer.settings
            )
        }
        return (trials, changed)
    }

    /// The greedy search's strongest edit sequence for each of the first ``StabilitySettings/attackDocuments``
    /// documents that has one.
    func attacks(progress: ProgressSink?) async throws -> [PerturbationTrial] {
        let originalClasses = documents.map(\.predicted)
        var attacks: [PerturbationTrial] = []
        for index in documents.indices.prefix(settings.attackDocuments) {
            if let attack = try await attack(index, originalClasses: originalClasses, progress: progress) {
                attacks.append(attack)
            }
        }
        return attacks
    }

    /// Greedy search: each step explains a few random edits of the current text and keeps the one whose
    /// explanation overlaps the original's least; the next step edits that text further. Candidates are explained
    /// with at most ``StabilitySettings/attackSamples`` samples, which is enough to rank them; the strongest edit
    /// sequence found is explained again with the full settings, and that explanation is the one reported, so the
    /// search's pick among noisy candidates does not count its luck as fragility.
    private func attack(
        _ index: Int,
        originalClasses: [Int],
        progress: ProgressSink?
    ) async throws -> PerturbationTrial? {
        let entry = documents[index]
        let perturber = TextPerturber(protected: Set(entry.explanation.top(topK).map(\.feature)))
        var generator = SeededGenerator(
            seed: ExplanationSeed.derive(modelSHA256: "attack", documentID: entry.document.document.id, seedIndex: 0)
        )
        var current = PerturbedText(text: entry.document.document.text, edits: [])
        var best: (trial: PerturbationTrial, agreement: ExplanationAgreement)?
        var explained = 0
        for _ in 0..<settings.attackSteps {
            var candidates: [(document: Int, perturbed: PerturbedText)] = []
            var texts: Set<String> = []
            for _ in 0..<(settings.attackCandidates * 3) where texts.count < settings.attackCandidates {
                guard let edited = perturber.randomEdit(of: current.text, using: &generator) else { break }
                guard texts.insert(edited.text).inserted else { continue }
                candidates.append((index, PerturbedText(text: edited.text, edits: current.edits + [edited.edit])))
            }
            let (kept, _) = try labelPreserving(candidates, originalClasses: originalClasses)
            guard !kept.isEmpty else { break }
            let explanations = try await explain(kept, phase: .attack, with: searchExplainer, progress: progress)
            explained += explanations.count
            let scored = zip(kept, explanations).map { candidate, explanation in
                let trial = PerturbationTrial(
                    original: entry.document.document.text,
                    perturbed: candidate.perturbed,
                    originalExplanation: entry.explanation,
                    perturbedExplanation: explanation,
                    features: explainer.settings
                )
                return (trial: trial, agreement: trial.agreement(k: topK))
            }
            guard let step = scored.min(by: { Self.moreAlike($1.agreement, than: $0.agreement) }) else { break }
            current = step.trial.perturbed
            if best.map({ Self.moreAlike($0.agreement, than: step.agreement) }) ?? true { best = step }
        }
        guard var trial = best?.trial else { return nil }
        if searchExplainer.settings.samples < explainer.settings.samples {
            let found = (document: index, perturbed: trial.perturbed)
            trial.perturbedExplanation = try await explain(
                [found],
                phase: .attack,
                with: explainer,
                progress: progress
            )[0]
            explained += 1
        }
        trial.explanations = explained
        return trial
    }

    /// The explainer of the search's candidates: the suite's, with its ceiling lowered to
    /// ``StabilitySettings/attackSamples`` (the suite's own when that is 0 or not lower).
    private var searchExplainer: LimeTextExplainer {
        guard settings.attackSamples > 0, settings.attackSamples < explainer.settings.samples else { return explainer }
        var lime = explainer.settings
        lime.samples = max(settings.attackSamples, 2)
        return LimeTextExplainer(settings: lime)
    }

    /// Whether `a` is the weaker attack result: a larger top-k intersection, or an equal one and a larger Jaccard.
    private static func moreAlike(_ a: ExplanationAgreement, than b: ExplanationAgreement) -> Bool {
        (a.topKIntersection, a.jaccard) > (b.topKIntersection, b.jaccard)
    }

    /// The candidates whose predicted class is the original document's, and how many were not.
    private func labelPreserving(
        _ candidates: [(document: Int, perturbed: PerturbedText)],
        originalClasses: [Int]
    ) throws -> (kept: [(document: Int, perturbed: PerturbedText)], changed: Int) {
        guard !candidates.isEmpty else { return ([], 0) }
        let classes = try ModelScoring.predictedClasses(candidates.map(\.perturbed.text), classifier: classifier)
        let kept = zip(candidates, classes).filter { $0.1 == originalClasses[$0.0.document] }.map(\.0)
        return (kept, candidates.count - kept.count)
    }

    /// Explains edited texts with `explainer`, each under a seed of its own
    /// (``ExplanationJob/init(edited:of:purpose:modelSHA256:focus:)``): the same seed for an edited text
    /// whatever the ceiling, so a full explanation of a searched candidate continues the neighbourhood its
    /// search explanation drew, and the run's cache answers the samples already scored.
    private func explain(
        _ candidates: [(document: Int, perturbed: PerturbedText)],
        phase: ValidationPhase,
        with explainer: LimeTextExplainer,
        progress: ProgressSink?
    ) async throws -> [Explanation] {
        let purpose: ExplanationPurpose = phase == .attack ? .attack : .perturbation
        let jobs = candidates.map { candidate in
            let entry = documents[candidate.document]
            // The search ranks edits by how many of the original's top k stay in the top k: where those words
            // rank is all it asks of an edit's explanation.
            let focus = purpose == .attack ? Set(entry.explanation.top(topK).map { $0.feature.lowercased() }) : nil
            return ExplanationJob(
                edited: candidate.perturbed.text,
                of: entry.document,
                purpose: purpose,
                modelSHA256: modelSHA256,
                focus: focus
            )
        }
        let progress = PhaseProgress(phase: phase, total: jobs.count, sink: progress)
        return try await ParallelExplaining.run(jobs, progress: progress) { [explainer, label, classifier] job in
            try explainer.explain(
                job.text,
                documentID: job.documentID,
                label: label,
                classifier: classifier,
                seed: job.seed,
                focus: job.focus
            )
        }.map(\.result)
    }
}
