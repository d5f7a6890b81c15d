/// An explanation of an original text beside one of an edited text with the same predicted label.
public struct PerturbationTrial: Sendable, Equatable {
    /// The original text.
    public var original: String
    /// The edited text and its edits.
    public var perturbed: PerturbedText
    /// The original's explanation.
    public var originalExplanation: Explanation
    /// The edited text's explanation (same document id and seed).
    public var perturbedExplanation: Explanation
    /// Explanations computed to find this pair (1 for a random edit, more for the greedy search).
    public var explanations: Int
    /// How the explanations cut texts into features (the split, or characters), to find those both texts
    /// contain.
    public var features: LimeSettings

    /// Creates a trial.
    public init(
        original: String,
        perturbed: PerturbedText,
        originalExplanation: Explanation,
        perturbedExplanation: Explanation,
        explanations: Int = 1,
        features: LimeSettings = LimeSettings()
    ) {
        self.original = original
        self.perturbed = perturbed
        self.originalExplanation = originalExplanation
        self.perturbedExplanation = perturbedExplanation
        self.explanations = explanations
        self.features = features
    }

    /// The agreement of the two explanations over the features both texts contain.
    public func agreement(k: Int) -> ExplanationAgreement {
        func words(_ text: String) -> [String] {
            ((try? features.indexedText(text))?.words ?? []).map { $0.lowercased() }
        }
        let shared = Set(words(original)).intersection(words(perturbed.text))
        return ExplanationAgreement(originalExplanation, perturbedExplanation, k: k, shared: shared)
    }

    func pair(k: Int, agreement: ExplanationAgreement) -> StabilityReport.PerturbedPair {
        StabilityReport.PerturbedPair(
            document: originalExplanation.documentID,
            edits: perturbed.edits,
            original: original,
            perturbed: perturbed.text,
            originalWeights: Array(originalExplanation.top(k)),
            perturbedWeights: Array(perturbedExplanation.top(k)),
            topKIntersection: agreement.topKIntersection,
            explanations: explanations
        )
    }
}

/// The interpretation-stability policy: are the model's explanations fragile?
///
/// Three measurements (Ghorbani, Abid and Zou's question, asked of LIME on text): the same documents under other
/// seeds (LIME's own noise), under small random edits that keep the predicted label, and under the edits a greedy
/// search finds to move the explanation most. Edits are judged against the noise floor: an edit that moves the
/// top-k features no more than a new seed does says nothing about the model.
public enum StabilityCheck {
    /// The three least stable documents under seeds, each named once (at its lowest Jaccard), least stable first.
    static func leastStable(_ perDocument: [StabilityReport.DocumentStability]) -> [StabilityReport.DocumentStability] {
        var named = Set<String>()
        return Array(
            perDocument.filter { $0.jaccard < 1 }.sorted { ($0.jaccard, $0.document) < ($1.jaccard, $1.document) }
                .filter { named.insert($0.document).inserted }.prefix(3)
        )
    }

    /// Judges the measurements.
    ///
    /// - Parameters:
    ///   - explanationsPerDocument: Each document's explanations under different seeds.
    ///   - perturbations: Random edits with their explanations; `labelChanged` edits were dropped before.
    ///   - attacks: Each attacked document's strongest edit sequence.
    public static func evaluate(
        _ explanationsPerDocument: [[Explanation]],
        perturbations: [PerturbationTrial] = [],
        labelChanged: Int = 0,
        attacks: [PerturbationTrial] = [],
        topK: Int,
        settings: StabilitySettings
    ) -> StabilityReport {
        var perDocument: [StabilityReport.DocumentStability] = []
        var seedAgreements: [ExplanationAgreement] = []
        var variations: [Double] = []
        var coefficientStabilities: [Double] = []
        for runs in explanationsPerDocument {
            guard let first = runs.first, runs.count > 1 else { continue }
            var jaccardSum = 0.0
            var intersectionSum = 0.0
            var pairs = 0
            for i in runs.indices {
                for j in runs.indices where j > i {
                    let agreement = ExplanationAgreement(runs[i], runs[j], k: topK)
                    seedAgreements.append(agreement)
                    jaccardSum += agreement.jaccard
                    intersectionSum += agreement.topKIntersection
                    pairs += 1
                }
            }
            perDocument.append(
                StabilityReport.DocumentStability(
                    document: first.documentID,
                    jaccard: jaccardSum / Double(pairs),
                    topKIntersection: intersectionSum / Double(pairs)
                )
            )
            variations += weightVariation(runs, k: topK)
            if let csi = coefficientStability(runs) { coefficientStabilities.append(csi) }
        }
        guard !perDocument.isEmpty else {
            return StabilityReport(
                verdict: .skipped,
                summary: "stability not measured (no documents configured)",
                documents: 0,
                seeds: settings.seeds,
                seedJaccard: 1,
                leastStable: []
            )
        }
        let seedJaccard = mean(perDocument.map(\.jaccard))
        let seed = StabilityReport.SeedMeasures(
            topKIntersection: mean(seedAgreements.map(\.topKIntersection)),
            jaccard: seedJaccard,
            spearman: mean(seedAgreements.map(\.spearman)),
            kendall: mean(seedAgreements.map(\.kendall)),
            weightCV: mean(variations),
            vsi: 100 * mean(seedAgreements.map(\.topKIntersection)),
            csi: coefficientStabilities.isEmpty ? nil : mean(coefficientStabilities)
        )
        var verdict: Verdict =
            seedJaccard < settings.minJaccard ? .fail : (seedJaccard < settings.warnJaccard ? .warn : .pass)
        let seedLimit =
            verdict == .fail
            ? " (limit \(fixed(settings.minJaccard, 2)))"
            : (verdict == .warn ? " (warn below \(fixed(settings.warnJaccard, 2)))" : "")
        var summary = "mean top-\(topK) Jaccard across \(settings.seeds) seeds \(fixed(seedJaccard, 2))\(seedLimit)"

        var measures: StabilityReport.PerturbationMeasures?
        var worst: [StabilityReport.PerturbedPair]?
        if !perturbations.isEmpty {
            let floorByDocument = Dictionary(
                perDocument.map { ($0.document, $0.jaccard) },
                uniquingKeysWith: { a, _ in a }
            )
            let agreements = perturbations.map { $0.agreement(k: topK) }
            let floors = perturbations.map { floorByDocument[$0.originalExplanation.documentID] ?? seedJaccard }
            let jaccard = mean(agreements.map(\.jaccard))
            let excess = mean(zip(floors, agreements).map { $0 - $1.jaccard })
            let editsByDocument = Dictionary(
                grouping: zip(perturbations, agreements),
                by: { $0.0.originalExplanation.documentID }
            )
            for index in perDocument.indices {
                guard let edits = editsByDocument[perDocument[index].document] else { continue }
                perDocument[index].editTopKIntersection = mean(edits.map(\.1.topKIntersection))
            }
            measures = StabilityReport.PerturbationMeasures(
                pairs: perturbations.count,
                labelChanged: labelChanged,
                topKIntersection: mean(agreements.map(\.topKIntersection)),
                jaccard: jaccard,
                spearman: mean(agreements.map(\.spearman)),
                kendall: mean(agreements.map(\.kendall)),
                fidelityChange: mean(
                    perturbations.map { $0.perturbedExplanation.score - $0.originalExplanation.score }
                ),
                noiseFloorJaccard: mean(floors),
                excess: excess
            )
            worst = zip(perturbations, agreements).sorted {
                ($0.1.topKIntersection, $0.1.jaccard) < ($1.1.topKIntersection, $1.1.jaccard)
            }
            .prefix(3).map { $0.0.pair(k: topK, agreement: $0.1) }
            let edits =
                "small edits: Jaccard \(fixed(jaccard, 2)) against a noise floor of \(fixed(mean(floors), 2)) (\(perturbations.count) pairs"
                + (labelChanged > 0 ? ", \(labelChanged) that changed the label dropped)" : ")")
            if excess > settings.maxExcess {
                verdict = .fail
                summary += "; \(edits), \(fixed(excess, 2)) below it (limit \(fixed(settings.maxExcess, 2)))"
            } else if excess > settings.warnExcess {
                verdict = max(verdict, .warn)
                summary += "; \(edits), \(fixed(excess, 2)) below it (warn above \(fixed(settings.warnExcess, 2)))"
            } else {
                summary += "; \(edits)"
            }
        }
        let attack = attacks.map { ($0, $0.agreement(k: topK)) }
            .min { ($0.1.topKIntersection, $0.1.jaccard) < ($1.1.topKIntersection, $1.1.jaccard) }
            .map { $0.0.pair(k: topK, agreement: $0.1) }
        if let attack {
            summary +=
                "; the strongest of \(attacks.count) searched edit sequences leaves top-\(topK) intersection \(fixed(attack.topKIntersection, 2))"
        }
        return StabilityReport(
            verdict: verdict,
            summary: summary,
            documents: perDocument.count,
            seeds: settings.seeds,
            seedJaccard: seedJaccard,
            leastStable: leastStable(perDocument),
            perDocument: perDocument,
            seed: seed,
            perturbation: measures,
            worstPairs: worst,
            attack: attack
        )
    }

    /// For each top-k feature of the first run, the coefficient of variation of its weight across the runs (0
    /// where a run did not select it); features with a mean of exactly 0 are skipped.
    static func weightVariation(_ runs: [Explanation], k: Int) -> [Double] {
        func weights(_ explanation: Explanation) -> [String: Double] {
            var folded: [String: Double] = [:]
            for feature in explanation.weights { folded[feature.feature.lowercased(), default: 0] += feature.weight }
            return folded
        }
        let all = runs.map(weights)
        let features = Set(runs[0].top(k).map { $0.feature.lowercased() })
        return features.sorted().compactMap { feature in
            let values = all.map { $0[feature] ?? 0 }
            let average = mean(values)
            guard average != 0 else { return nil }
            let variance = values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count)
            return variance.squareRoot() / abs(average)
        }
    }

    /// Visani et al.'s coefficient stability index of one document's explanations under several seeds, 0–100:
    /// for each feature selected under at least two seeds, the percentage of pairs of its 95% intervals
    /// (`weight ± 1.96·se`) that overlap, averaged over those features. `nil` without standard errors or without
    /// a feature selected twice.
    static func coefficientStability(_ runs: [Explanation]) -> Double? {
        var intervals: [String: [(low: Double, high: Double)]] = [:]
        for run in runs where run.standardErrors.count == run.weights.count {
            for (feature, error) in zip(run.weights, run.standardErrors) {
                intervals[feature.feature, default: []].append(
                    (feature.weight - 1.96 * error, feature.weight + 1.96 * error)
                )
            }
        }
        // In feature order, so that the mean's rounding does not depend on the process's hash seed.
        let percentages = intervals.sorted { $0.key < $1.key }.map(\.value).filter { $0.count >= 2 }.map { list in
            var overlapping = 0
            var pairs = 0
            for i in list.indices {
                for j in list.indices where j > i {
                    pairs += 1
                    if list[i].low < list[j].high && list[j].low < list[i].high { overlapping += 1 }
                }
            }
            return 100 * Double(overlapping) / Double(pairs)
        }
        return percentages.isEmpty ? nil : mean(percentages)
    }

    /// Whether more documents could not plausibly change the verdict (``StabilitySettings/settleConfidence``):
    /// at least ``StabilitySettings/minimumDocuments`` documents measured, and the Student-t intervals of the
    /// mean per-document seed Jaccard and of the mean per-edit excess each lie on one side of both of their
    /// limits. Edits are optional; a measured set of fewer than two leaves the question open.
    ///
    /// Deciding after every round looks at the data more than once, so the interval's nominal confidence is an
    /// upper bound on the real one; the minimum number of documents and the two limits per measure keep a
    /// borderline model measuring up to ``StabilitySettings/documents``.
    public static func isSettled(
        _ explanationsPerDocument: [[Explanation]],
        perturbations: [PerturbationTrial],
        topK: Int,
        settings: StabilitySettings
    ) -> Bool {
        guard let confidence = settings.settleConfidence, confidence > 0,
            explanationsPerDocument.count >= max(settings.minimumDocuments, 2)
        else { return false }
        var floors: [String: Double] = [:]
        for runs in explanationsPerDocument where runs.count > 1 {
            let pairs = runs.indices.flatMap { i in runs.indices.filter { $0 > i }.map { (i, $0) } }
            floors[runs[0].documentID] = mean(
                pairs.map { ExplanationAgreement(runs[$0.0], runs[$0.1], k: topK).jaccard }
            )
        }
        func clear(_ values: [Double], of limits: [Double]) -> Bool {
            guard let interval = IntervalStatistics.pairedMean(values, confidence: confidence).interval else {
                return false
            }
            return limits.allSatisfy { !interval.contains($0) }
        }
        let excesses = perturbations.compactMap { trial in
            floors[trial.originalExplanation.documentID].map { $0 - trial.agreement(k: topK).jaccard }
        }
        return clear(floors.values.sorted(), of: [settings.minJaccard, settings.warnJaccard])
            && (perturbations.isEmpty || clear(excesses, of: [settings.warnExcess, settings.maxExcess]))
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
