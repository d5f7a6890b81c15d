import Foundation

/// The spurious-feature policy: do banned tokens drive the explanations?
public enum SpuriousCheck {
    /// Judges explanations against the banned list.
    ///
    /// Feature strings are case-folded, so `Posting` and `posting` count as one token. Per banned token, over the
    /// top-k features of every explanation:
    /// - it is a *hit* in an explanation when its |weight| is at least ``SpuriousSettings/minWeightFraction`` of
    ///   that explanation's largest; `rate` is hits / explanations, `top_rate` the share where it is the #1 feature;
    /// - `mass_share` is its Σ|weight| over all explanations / the Σ|weight| of all top-k features of all of them;
    /// - `mean_abs_weight` is its mean |weight| over the explanations where it is among the top k.
    ///
    /// The verdict tells reliance from coincidence. It fails when a token's rate is above
    /// ``SpuriousSettings/maxHitRate`` with confidence (the rate's one-sided Wilson lower bound at
    /// ``SpuriousSettings/confidence`` is above it), or when a token hit in two or more explanations carries more
    /// than ``SpuriousSettings/maxMassShare`` of the mass. A rate or mass share above its limit without that
    /// support (a single explanation, LIME's sampling noise) warns and asks for more documents; a rate above
    /// ``SpuriousSettings/warnHitRate`` warns. Only tokens with at least one hit are reported.
    ///
    /// A rate failure needs reliance, not only presence: a token in every short document of a class sits in the
    /// top k of many explanations with small weights. When the association over the evaluation set measured the
    /// token and the model's predictions follow it no more than the true labels do
    /// (`U(predicted | token) ≤ U(label | token)`), the rate warns instead of failing, naming both. (An
    /// evaluation set whose labels the token decides leaves reliance undecidable this way; the mass share and new
    /// reasons still speak.)
    ///
    /// Beyond the explanations, two more measurements join the verdict. The token association over the whole
    /// evaluation set (``TokenAssociationCheck``), when given, fails or warns on its own terms. With the
    /// champion's explanations of the same documents, tokens new among the challenger's most important
    /// (``GlobalImportance/newReasons(against:top:ratio:)``) warn when ``SpuriousSettings/newReasonsWarn`` is set,
    /// whether or not a list names them.
    ///
    /// - Parameters:
    ///   - texts: Document texts by id, shown with the worst explanations.
    ///   - association: The token association measured over the evaluation set.
    ///   - championExplanations: The champion's explanations of the same documents, with the same seeds.
    public static func evaluate(
        _ explanations: [Explanation], texts: [String: String], banned: BannedTokenList, settings: SpuriousSettings,
        association: TokenAssociationReport? = nil, championExplanations: [Explanation]? = nil
    ) -> SpuriousReport {
        struct Tally {
            var hits = 0, top = 0, appearances = 0
            var mass = 0.0
            /// Per explanation with a hit: its index and the token's |weight| there.
            var examples: [(explanation: Int, weight: Double)] = []
        }
        var tallies: [String: Tally] = [:]
        var bannedMass = [Double](repeating: 0, count: explanations.count)
        var totalMass = 0.0
        var isBanned: [String: Bool] = [:]
        for (index, explanation) in explanations.enumerated() {
            let top = explanation.top(settings.topK)
            let largest = top.map { abs($0.weight) }.max() ?? 0
            // A token can be several features (`Host`, `host`): fold them into one per explanation.
            var folded: [(token: String, weight: Double, rank: Int)] = []
            for (rank, feature) in top.enumerated() {
                let token = feature.feature.lowercased()
                let magnitude = abs(feature.weight)
                totalMass += magnitude
                if let existing = folded.firstIndex(where: { $0.token == token }) {
                    folded[existing].weight += magnitude
                } else {
                    folded.append((token, magnitude, rank))
                }
            }
            for (token, magnitude, rank) in folded {
                let banned = isBanned[token] ?? banned.matches(token)
                isBanned[token] = banned
                guard banned else { continue }
                var tally = tallies[token, default: Tally()]
                tally.appearances += 1
                tally.mass += magnitude
                if magnitude > 0, magnitude >= settings.minWeightFraction * largest {
                    tally.hits += 1
                    if rank == 0 { tally.top += 1 }
                    tally.examples.append((index, magnitude))
                    bannedMass[index] += magnitude
                }
                tallies[token] = tally
            }
        }
        let explained = Double(max(explanations.count, 1))
        let z = AUC.normalQuantile(settings.confidence)
        let hits = tallies.filter { $0.value.hits > 0 }.map { token, tally in
            SpuriousReport.BannedHit(
                token: token, hits: tally.hits, rate: Double(tally.hits) / explained,
                rateLowerBound: wilsonLowerBound(successes: tally.hits, trials: explanations.count, z: z),
                topRate: Double(tally.top) / explained,
                massShare: totalMass > 0 ? tally.mass / totalMass : 0,
                meanAbsWeight: tally.mass / Double(tally.appearances),
                examples: tally.examples.sorted { ($0.weight, $1.explanation) > ($1.weight, $0.explanation) }.prefix(3)
                    .map { explanations[$0.explanation].documentID }
            )
        }.sorted { ($0.massShare, $1.token) > ($1.massShare, $0.token) }

        var verdict = Verdict.pass
        var reasons: [String] = []
        let moreDocuments = "explain more documents ([Spurious] Documents=) to decide"
        let measured = Dictionary((association?.banned ?? []).map { ($0.token, $0) }, uniquingKeysWith: { first, _ in first })
        for hit in hits {
            let share = "\(hit.hits) of \(explanations.count) explanations (\(percent(hit.rate)))"
            if hit.rateLowerBound > settings.maxHitRate, let token = measured[hit.token], token.uPredicted <= token.uLabel {
                verdict = max(verdict, .warn)
                reasons.append(
                    "banned token \"\(hit.token)\" in the top-\(settings.topK) of \(share), but over \(token.documents) documents the predictions follow it no more than the labels do (U \(fixed(token.uPredicted, 3)) against \(fixed(token.uLabel, 3))): the evaluation set carries it with one class, coincidence rather than reliance"
                )
            } else if hit.rateLowerBound > settings.maxHitRate {
                verdict = .fail
                reasons.append(
                    "banned token \"\(hit.token)\" in the top-\(settings.topK) of \(share), at least \(percent(hit.rateLowerBound)) at \(percent(settings.confidence)) confidence (limit \(percent(settings.maxHitRate)))"
                )
            } else if hit.massShare > settings.maxMassShare, hit.hits >= 2 {
                verdict = .fail
                reasons.append("banned token \"\(hit.token)\" carries \(percent(hit.massShare)) of the attribution (limit \(percent(settings.maxMassShare)))")
            } else if hit.rate > settings.maxHitRate || hit.massShare > settings.maxMassShare {
                verdict = max(verdict, .warn)
                reasons.append(
                    "banned token \"\(hit.token)\" in the top-\(settings.topK) of \(share), above the limit \(percent(settings.maxHitRate)) but not surely; \(moreDocuments)"
                )
            } else if hit.rate > settings.warnHitRate {
                verdict = max(verdict, .warn)
                reasons.append("banned token \"\(hit.token)\" in the top-\(settings.topK) of \(share) (warn above \(percent(settings.warnHitRate)))")
            }
        }
        // The summary names the explanations' first findings, then at most one of each other measurement.
        var otherReasons: [String] = []
        if let association {
            verdict = max(verdict, association.verdict)
            otherReasons += association.reasons.prefix(1)
        }
        let aggregate = GlobalImportance(explanations)
        var comparison: SpuriousReport.ChampionComparison?
        if let championExplanations {
            let theirs = GlobalImportance(championExplanations)
            var fresh = aggregate.newReasons(against: theirs, top: settings.newReasonTop, ratio: settings.newReasonRatio)
            for index in fresh.indices { fresh[index].banned = isBanned[fresh[index].token] ?? banned.matches(fresh[index].token) }
            comparison = SpuriousReport.ChampionComparison(
                explained: championExplanations.count, top: settings.newReasonTop, newReasons: fresh,
                championImportance: importanceList(theirs, championExplanations, settings: settings), seconds: 0
            )
            if settings.newReasonsWarn, !fresh.isEmpty {
                verdict = max(verdict, .warn)
                let named = fresh.prefix(5).map { reason in
                    "\"\(reason.token)\" #\(reason.rank) (champion: " + (reason.championRank.map { "#\($0)" } ?? "absent") + ")"
                }
                otherReasons.append("new reasons in the top \(settings.newReasonTop) against the champion: \(named.joined(separator: ", "))")
            }
        }
        let findings = Array(reasons.prefix(otherReasons.isEmpty ? 3 : 2)) + otherReasons
        let summary =
            findings.isEmpty
            ? (hits.isEmpty
                ? "no banned token in the top-\(settings.topK) of \(explanations.count) explanations"
                : "banned tokens appear rarely: \(hits.map(\.token).joined(separator: ", "))")
            : findings.joined(separator: "; ")
        let worst = bannedMass.enumerated().filter { $0.element > 0 }
            .sorted { ($0.element, $1.offset) > ($1.element, $0.offset) }.prefix(3)
            .map { entry in
                let explanation = explanations[entry.offset]
                return SpuriousReport.Example(
                    document: explanation.documentID, text: texts[explanation.documentID] ?? "",
                    weights: Array(explanation.top(settings.topK))
                )
            }
        let pick = settings.pickExplanations > 0
            ? aggregate.pick(settings.pickExplanations).map {
                SpuriousReport.Picked(document: explanations[$0.explanation].documentID, coverage: $0.coverage)
            } : nil
        return SpuriousReport(
            verdict: verdict, summary: summary, explained: explanations.count, topK: settings.topK, bannedHits: hits,
            worst: Array(worst), globalImportance: importanceList(aggregate, explanations, settings: settings), pick: pick,
            association: association, champion: comparison
        )
    }

    /// The ``SpuriousSettings/reportTokens`` most important tokens of `aggregate` (made from `explanations`), with
    /// their mean |weight| and rate among the top-k features.
    private static func importanceList(
        _ aggregate: GlobalImportance, _ explanations: [Explanation], settings: SpuriousSettings
    ) -> [SpuriousReport.Importance] {
        var topK: [String: (mass: Double, explanations: Int)] = [:]
        for explanation in explanations {
            var folded: [String: Double] = [:]
            for feature in explanation.top(settings.topK) { folded[feature.feature.lowercased(), default: 0] += abs(feature.weight) }
            for (token, mass) in folded {
                topK[token, default: (0, 0)].mass += mass
                topK[token, default: (0, 0)].explanations += 1
            }
        }
        let explained = Double(max(explanations.count, 1))
        return aggregate.ranked.prefix(settings.reportTokens).enumerated().map { offset, token in
            SpuriousReport.Importance(
                token: token, meanAbsWeight: (topK[token]?.mass ?? 0) / explained,
                topKRate: Double(topK[token]?.explanations ?? 0) / explained, importance: aggregate.importance[token] ?? 0,
                share: aggregate.share(of: token), rank: offset + 1
            )
        }
    }
}

/// The one-sided Wilson score lower bound of a binomial proportion, with `z` the normal quantile of the
/// confidence: the smallest rate the observed `successes` of `trials` still make plausible.
func wilsonLowerBound(successes: Int, trials: Int, z: Double) -> Double {
    guard trials > 0 else { return 0 }
    let n = Double(trials), p = Double(successes) / n, z2 = z * z
    let centre = p + z2 / (2 * n)
    let spread = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
    return max(0, (centre - spread) / (1 + z2 / n))
}

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
        original: String, perturbed: PerturbedText, originalExplanation: Explanation, perturbedExplanation: Explanation,
        explanations: Int = 1, features: LimeSettings = LimeSettings()
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
        func words(_ text: String) -> [String] { ((try? features.indexedText(text))?.words ?? []).map { $0.lowercased() } }
        let shared = Set(words(original)).intersection(words(perturbed.text))
        return ExplanationAgreement(originalExplanation, perturbedExplanation, k: k, shared: shared)
    }

    func pair(k: Int, agreement: ExplanationAgreement) -> StabilityReport.PerturbedPair {
        StabilityReport.PerturbedPair(
            document: originalExplanation.documentID, edits: perturbed.edits, original: original, perturbed: perturbed.text,
            originalWeights: Array(originalExplanation.top(k)), perturbedWeights: Array(perturbedExplanation.top(k)),
            topKIntersection: agreement.topKIntersection, explanations: explanations
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
    /// Judges the measurements.
    ///
    /// - Parameters:
    ///   - explanationsPerDocument: Each document's explanations under different seeds.
    ///   - perturbations: Random edits with their explanations; `labelChanged` edits were dropped before.
    ///   - attacks: Each attacked document's strongest edit sequence.
    public static func evaluate(
        _ explanationsPerDocument: [[Explanation]], perturbations: [PerturbationTrial] = [], labelChanged: Int = 0,
        attacks: [PerturbationTrial] = [], topK: Int, settings: StabilitySettings
    ) -> StabilityReport {
        var perDocument: [StabilityReport.DocumentStability] = []
        var seedAgreements: [ExplanationAgreement] = []
        var variations: [Double] = []
        var coefficientStabilities: [Double] = []
        for runs in explanationsPerDocument {
            guard let first = runs.first, runs.count > 1 else { continue }
            var jaccardSum = 0.0, intersectionSum = 0.0, pairs = 0
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
                    document: first.documentID, jaccard: jaccardSum / Double(pairs), topKIntersection: intersectionSum / Double(pairs)
                )
            )
            variations += weightVariation(runs, k: topK)
            if let csi = coefficientStability(runs) { coefficientStabilities.append(csi) }
        }
        guard !perDocument.isEmpty else {
            return StabilityReport(
                verdict: .pass, summary: "stability not measured (no documents configured)", documents: 0,
                seeds: settings.seeds, seedJaccard: 1, leastStable: []
            )
        }
        let seedJaccard = mean(perDocument.map(\.jaccard))
        let seed = StabilityReport.SeedMeasures(
            topKIntersection: mean(seedAgreements.map(\.topKIntersection)), jaccard: seedJaccard,
            spearman: mean(seedAgreements.map(\.spearman)), kendall: mean(seedAgreements.map(\.kendall)),
            weightCV: mean(variations), vsi: 100 * mean(seedAgreements.map(\.topKIntersection)),
            csi: coefficientStabilities.isEmpty ? nil : mean(coefficientStabilities)
        )
        var verdict: Verdict = seedJaccard < settings.minJaccard ? .fail : (seedJaccard < settings.warnJaccard ? .warn : .pass)
        let seedLimit = verdict == .fail ? " (limit \(fixed(settings.minJaccard, 2)))" : (verdict == .warn ? " (warn below \(fixed(settings.warnJaccard, 2)))" : "")
        var summary = "mean top-\(topK) Jaccard across \(settings.seeds) seeds \(fixed(seedJaccard, 2))\(seedLimit)"

        var measures: StabilityReport.PerturbationMeasures?
        var worst: [StabilityReport.PerturbedPair]?
        if !perturbations.isEmpty {
            let floorByDocument = Dictionary(perDocument.map { ($0.document, $0.jaccard) }, uniquingKeysWith: { a, _ in a })
            let agreements = perturbations.map { $0.agreement(k: topK) }
            let floors = perturbations.map { floorByDocument[$0.originalExplanation.documentID] ?? seedJaccard }
            let jaccard = mean(agreements.map(\.jaccard))
            let excess = mean(zip(floors, agreements).map { $0 - $1.jaccard })
            let editsByDocument = Dictionary(grouping: zip(perturbations, agreements), by: { $0.0.originalExplanation.documentID })
            for index in perDocument.indices {
                guard let edits = editsByDocument[perDocument[index].document] else { continue }
                perDocument[index].editTopKIntersection = mean(edits.map(\.1.topKIntersection))
            }
            measures = StabilityReport.PerturbationMeasures(
                pairs: perturbations.count, labelChanged: labelChanged,
                topKIntersection: mean(agreements.map(\.topKIntersection)), jaccard: jaccard,
                spearman: mean(agreements.map(\.spearman)), kendall: mean(agreements.map(\.kendall)),
                fidelityChange: mean(perturbations.map { $0.perturbedExplanation.score - $0.originalExplanation.score }),
                noiseFloorJaccard: mean(floors), excess: excess
            )
            worst = zip(perturbations, agreements).sorted { ($0.1.topKIntersection, $0.1.jaccard) < ($1.1.topKIntersection, $1.1.jaccard) }
                .prefix(3).map { $0.0.pair(k: topK, agreement: $0.1) }
            let edits = "small edits: Jaccard \(fixed(jaccard, 2)) against a noise floor of \(fixed(mean(floors), 2)) (\(perturbations.count) pairs"
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
            summary += "; the strongest of \(attacks.count) searched edit sequences leaves top-\(topK) intersection \(fixed(attack.topKIntersection, 2))"
        }
        return StabilityReport(
            verdict: verdict, summary: summary, documents: perDocument.count, seeds: settings.seeds, seedJaccard: seedJaccard,
            leastStable: Array(perDocument.filter { $0.jaccard < 1 }.sorted { ($0.jaccard, $0.document) < ($1.jaccard, $1.document) }.prefix(3)),
            perDocument: perDocument, seed: seed, perturbation: measures, worstPairs: worst, attack: attack
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
                intervals[feature.feature, default: []].append((feature.weight - 1.96 * error, feature.weight + 1.96 * error))
            }
        }
        let percentages = intervals.values.filter { $0.count >= 2 }.map { list in
            var overlapping = 0, pairs = 0
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

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}

/// The AUC policy: above the floor, and not significantly worse than the champion.
public enum AUCCheck {
    /// Judges the challenger's scores, and compares them with the champion's when there is one.
    public static func evaluate(
        challenger: [Double], champion: [Double]?, positives: [Bool], settings: AUCSettings
    ) throws(StatisticsError) -> AUCReport {
        let own = try AUC.delong(scores: challenger, positives: positives)
        var report = AUCReport(
            verdict: .pass, summary: "", auc: own.auc,
            aucCI: [own.confidenceInterval.lowerBound, own.confidenceInterval.upperBound], championAUC: nil, delta: nil,
            pValue: nil, pValueTwoSided: nil, z: nil, nPos: own.positives, nNeg: own.negatives, floor: settings.floor
        )
        var reasons: [String] = []
        if own.auc < settings.floor {
            report.verdict = .fail
            reasons.append("AUC \(fixed(own.auc, 3)) is below the floor \(fixed(settings.floor, 2))")
        }
        if let champion {
            let test = try AUC.pairedDeLong(challenger: challenger, champion: champion, positives: positives)
            report.championAUC = test.champion.auc
            report.delta = test.delta
            report.pValue = test.pValueChallengerWorse
            report.pValueTwoSided = test.pValueTwoSided
            report.z = test.z
            report.deltaCI = [test.deltaConfidenceInterval.lowerBound, test.deltaConfidenceInterval.upperBound]
            report.comparison = settings.comparison.rawValue
            let sd = test.deltaVariance.squareRoot()
            if sd > 0 {
                let detectable = (AUC.normalQuantile(1 - settings.alpha) + AUC.normalQuantile(settings.power)) * sd
                report.minDetectableDelta = detectable
                let documents = Double(challenger.count)
                report.docsNeeded = Int((documents * (detectable / settings.targetDelta) * (detectable / settings.targetDelta)).rounded(.up))
            }
            let comparison = "AUC \(fixed(own.auc, 3)) vs champion \(fixed(test.champion.auc, 3)) (Δ \(signed(test.delta)), p=\(fixed(test.pValueChallengerWorse, 3)))"
            switch settings.comparison {
            case .worse:
                if test.delta < 0 && test.pValueChallengerWorse < settings.alpha {
                    report.verdict = .fail
                    reasons.append("significantly worse than the champion: " + comparison)
                } else if test.delta < 0 {
                    report.verdict = max(report.verdict, .warn)
                    reasons.append("worse than the champion, not significantly: " + comparison)
                } else {
                    reasons.append(comparison)
                }
            case .nonInferiority:
                report.margin = settings.margin
                let p = sd > 0 ? 1 - AUC.normalCDF((test.delta + settings.margin) / sd) : (test.delta > -settings.margin ? 0 : 1)
                report.pValueNonInferiority = p
                if p >= settings.alpha {
                    report.verdict = .fail
                    reasons.append("not shown to be within \(fixed(settings.margin, 3)) of the champion (p=\(fixed(p, 3))): " + comparison)
                } else {
                    reasons.append("non-inferior within \(fixed(settings.margin, 3)) (p=\(fixed(p, 3))): " + comparison)
                }
            }
        } else if reasons.isEmpty {
            reasons.append("AUC \(fixed(own.auc, 3)) [\(fixed(report.aucCI[0], 3)), \(fixed(report.aucCI[1], 3))], no champion: floor \(fixed(settings.floor, 2)) met")
        }
        report.summary = reasons.joined(separator: "; ")
        return report
    }
}

extension AUCCheck {
    /// Judges a model on an evaluation set with more than two labels: one-vs-rest AUC per class with DeLong
    /// intervals and paired tests, and their macro average.
    ///
    /// The macro average's variance (and that of its difference from the champion) sums the per-document
    /// DeLong contributions of every class (``AUC/influence(scores:positives:)``), so the correlation between
    /// classes is kept. The macro AUC must reach the floor; with a champion, the model fails when its macro AUC
    /// is significantly worse, or when any single class is significantly worse at `alpha / classes`
    /// (Bonferroni).
    ///
    /// - Parameters:
    ///   - challenger: Per class label, the challenger's probability of that class for every document.
    ///   - champion: The same for the champion.
    ///   - labels: Each document's label.
    public static func evaluateMultiClass(
        challenger: [String: [Double]], champion: [String: [Double]]?, labels: [String], settings: AUCSettings
    ) throws(StatisticsError) -> AUCReport {
        let classes = Array(Set(labels)).sorted()
        if let missing = classes.first(where: { challenger[$0] == nil }) {
            throw StatisticsError(description: "the evaluation set's label \"\(missing)\" is not one of the model's classes \(challenger.keys.sorted())")
        }
        return try evaluateKnownClasses(challenger: challenger, champion: champion, labels: labels, classes: classes, settings: settings)
    }

    private static func evaluateKnownClasses(
        challenger: [String: [Double]], champion: [String: [Double]]?, labels: [String], classes: [String], settings: AUCSettings
    ) throws(StatisticsError) -> AUCReport {
        let k = Double(classes.count)
        var perClass: [AUCReport.ClassAUC] = []
        var macroContribution = [Double](repeating: 0, count: labels.count)
        var differenceContribution = [Double](repeating: 0, count: labels.count)
        var championMacro = 0.0
        var reasons: [String] = []
        var verdict = Verdict.pass
        for label in classes {
            let positives = labels.map { $0 == label }
            let own = try AUC.delong(scores: challenger[label]!, positives: positives)
            let (_, contributions) = try AUC.influence(scores: challenger[label]!, positives: positives)
            var entry = AUCReport.ClassAUC(
                label: label, auc: own.auc, aucCI: [own.confidenceInterval.lowerBound, own.confidenceInterval.upperBound],
                nPos: own.positives, nNeg: own.negatives
            )
            for i in contributions.indices {
                macroContribution[i] += contributions[i] / k
                differenceContribution[i] += contributions[i] / k
            }
            if let champion, let theirs = champion[label] {
                let test = try AUC.pairedDeLong(challenger: challenger[label]!, champion: theirs, positives: positives)
                let (_, championContributions) = try AUC.influence(scores: theirs, positives: positives)
                for i in championContributions.indices { differenceContribution[i] -= championContributions[i] / k }
                championMacro += test.champion.auc / k
                entry.championAUC = test.champion.auc
                entry.delta = test.delta
                entry.pValue = test.pValueChallengerWorse
                if test.delta < 0 && test.pValueChallengerWorse < settings.alpha / k {
                    verdict = .fail
                    reasons.append("class \"\(label)\" significantly worse than the champion (Δ \(signed(test.delta)), p=\(fixed(test.pValueChallengerWorse, 4)), limit α/\(classes.count))")
                }
            }
            perClass.append(entry)
        }
        let macro = perClass.map(\.auc).reduce(0, +) / k
        let half = AUC.z975 * macroContribution.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var report = AUCReport(
            verdict: .pass, summary: "", auc: macro, aucCI: [max(0, macro - half), min(1, macro + half)], championAUC: nil,
            delta: nil, pValue: nil, pValueTwoSided: nil, z: nil, nPos: perClass.map(\.nPos).min() ?? 0,
            nNeg: labels.count - (perClass.map(\.nPos).min() ?? 0), floor: settings.floor
        )
        report.perClass = perClass
        if macro < settings.floor {
            verdict = .fail
            reasons.insert("macro AUC \(fixed(macro, 3)) over \(classes.count) classes is below the floor \(fixed(settings.floor, 2))", at: 0)
        }
        if champion != nil {
            let delta = macro - championMacro
            let sd = differenceContribution.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let z = sd > 0 ? delta / sd : (delta == 0 ? 0 : (delta > 0 ? Double.infinity : -Double.infinity))
            let deltaHalf = AUC.z975 * sd
            report.championAUC = championMacro
            report.delta = delta
            report.z = z
            report.pValue = AUC.normalCDF(z)
            report.pValueTwoSided = 2 * AUC.normalCDF(-abs(z))
            report.deltaCI = [delta - deltaHalf, delta + deltaHalf]
            report.comparison = settings.comparison.rawValue
            let comparison = "macro AUC \(fixed(macro, 3)) vs champion \(fixed(championMacro, 3)) (Δ \(signed(delta)), p=\(fixed(AUC.normalCDF(z), 3)))"
            if delta < 0 && AUC.normalCDF(z) < settings.alpha {
                verdict = .fail
                reasons.insert("significantly worse than the champion: " + comparison, at: 0)
            } else if delta < 0 {
                verdict = max(verdict, .warn)
                reasons.append("worse than the champion, not significantly: " + comparison)
            } else if reasons.isEmpty {
                reasons.append(comparison)
            }
        } else if reasons.isEmpty {
            reasons.append("macro AUC \(fixed(macro, 3)) over \(classes.count) classes, no champion: floor \(fixed(settings.floor, 2)) met")
        }
        report.verdict = verdict
        report.summary = reasons.joined(separator: "; ")
        return report
    }
}

func percent(_ value: Double) -> String { String(format: "%.0f%%", value * 100) }
func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
func signed(_ value: Double) -> String { String(format: "%+.4f", value) }
