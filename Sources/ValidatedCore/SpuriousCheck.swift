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
        _ explanations: [Explanation],
        texts: [String: String],
        banned: BannedTokenList,
        settings: SpuriousSettings,
        association: TokenAssociationReport? = nil,
        championExplanations: [Explanation]? = nil
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
                token: token,
                hits: tally.hits,
                rate: Double(tally.hits) / explained,
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
        let measured = Dictionary(
            (association?.banned ?? []).map { ($0.token, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        for hit in hits {
            let share = "\(hit.hits) of \(explanations.count) explanations (\(percent(hit.rate)))"
            if hit.rateLowerBound > settings.maxHitRate, let token = measured[hit.token],
                token.uPredicted <= token.uLabel
            {
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
                reasons.append(
                    "banned token \"\(hit.token)\" carries \(percent(hit.massShare)) of the attribution (limit \(percent(settings.maxMassShare)))"
                )
            } else if hit.rate > settings.maxHitRate || hit.massShare > settings.maxMassShare {
                verdict = max(verdict, .warn)
                reasons.append(
                    "banned token \"\(hit.token)\" in the top-\(settings.topK) of \(share), above the limit \(percent(settings.maxHitRate)) but not surely; \(moreDocuments)"
                )
            } else if hit.rate > settings.warnHitRate {
                verdict = max(verdict, .warn)
                reasons.append(
                    "banned token \"\(hit.token)\" in the top-\(settings.topK) of \(share) (warn above \(percent(settings.warnHitRate)))"
                )
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
            var fresh = aggregate.newReasons(
                against: theirs,
                top: settings.newReasonTop,
                ratio: settings.newReasonRatio
            )
            for index in fresh.indices {
                fresh[index].banned = isBanned[fresh[index].token] ?? banned.matches(fresh[index].token)
            }
            comparison = SpuriousReport.ChampionComparison(
                explained: championExplanations.count,
                top: settings.newReasonTop,
                newReasons: fresh,
                championImportance: importanceList(theirs, championExplanations, settings: settings),
                seconds: 0
            )
            if settings.newReasonsWarn, !fresh.isEmpty {
                verdict = max(verdict, .warn)
                let named = fresh.prefix(5).map { reason in
                    "\"\(reason.token)\" #\(reason.rank) (champion: "
                        + (reason.championRank.map { "#\($0)" } ?? "absent") + ")"
                }
                otherReasons.append(
                    "new reasons in the top \(settings.newReasonTop) against the champion: \(named.joined(separator: ", "))"
                )
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
                    document: explanation.documentID,
                    text: texts[explanation.documentID] ?? "",
                    weights: Array(explanation.top(settings.topK))
                )
            }
        let pick =
            settings.pickExplanations > 0
            ? aggregate.pick(settings.pickExplanations).map {
                SpuriousReport.Picked(document: explanations[$0.explanation].documentID, coverage: $0.coverage)
            } : nil
        let anyMeasured = !explanations.isEmpty || verdict != .pass
        return SpuriousReport(
            verdict: anyMeasured ? verdict : .skipped,
            summary: anyMeasured ? summary : "spurious features not measured (no documents explained)",
            explained: explanations.count,
            topK: settings.topK,
            bannedHits: hits,
            worst: Array(worst),
            globalImportance: importanceList(aggregate, explanations, settings: settings),
            pick: pick,
            association: association,
            champion: comparison
        )
    }

    /// The ``SpuriousSettings/reportTokens`` most important tokens of `aggregate` (made from `explanations`), with
    /// their mean |weight| and rate among the top-k features.
    private static func importanceList(
        _ aggregate: GlobalImportance,
        _ explanations: [Explanation],
        settings: SpuriousSettings
    ) -> [SpuriousReport.Importance] {
        var topK: [String: (mass: Double, explanations: Int)] = [:]
        for explanation in explanations {
            var folded: [String: Double] = [:]
            for feature in explanation.top(settings.topK) {
                folded[feature.feature.lowercased(), default: 0] += abs(feature.weight)
            }
            for (token, mass) in folded {
                topK[token, default: (0, 0)].mass += mass
                topK[token, default: (0, 0)].explanations += 1
            }
        }
        let explained = Double(max(explanations.count, 1))
        return aggregate.ranked.prefix(settings.reportTokens).enumerated().map { offset, token in
            SpuriousReport.Importance(
                token: token,
                meanAbsWeight: (topK[token]?.mass ?? 0) / explained,
                topKRate: Double(topK[token]?.explanations ?? 0) / explained,
                importance: aggregate.importance[token] ?? 0,
                share: aggregate.share(of: token),
                rank: offset + 1
            )
        }
    }
}

/// The one-sided Wilson score lower bound of a binomial proportion, with `z` the normal quantile of the
/// confidence: the smallest rate the observed `successes` of `trials` still make plausible.
func wilsonLowerBound(successes: Int, trials: Int, z: Double) -> Double {
    guard trials > 0 else { return 0 }
    let n = Double(trials)
    let p = Double(successes) / n
    let z2 = z * z
    let centre = p + z2 / (2 * n)
    let spread = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
    return max(0, (centre - spread) / (1 + z2 / n))
}
