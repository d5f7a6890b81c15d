/// The AUC policy: above the floor, and not significantly worse than the champion.
public enum AUCCheck {
    /// Judges the challenger's scores, and compares them with the champion's when there is one.
    public static func evaluate(
        challenger: [Double],
        champion: [Double]?,
        positives: [Bool],
        settings: AUCSettings
    ) throws(StatisticsError) -> AUCReport {
        let own = try AUC.delong(scores: challenger, positives: positives)
        var report = AUCReport(
            verdict: .pass,
            summary: "",
            auc: own.auc,
            aucCI: [own.confidenceInterval.lowerBound, own.confidenceInterval.upperBound],
            championAUC: nil,
            delta: nil,
            pValue: nil,
            pValueTwoSided: nil,
            z: nil,
            nPos: own.positives,
            nNeg: own.negatives,
            floor: settings.floor
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
            report.comparison = settings.comparison
            let sd = test.deltaVariance.squareRoot()
            if sd > 0 {
                let detectable = (AUC.normalQuantile(1 - settings.alpha) + AUC.normalQuantile(settings.power)) * sd
                report.minDetectableDelta = detectable
                let documents = Double(challenger.count)
                report.docsNeeded = Int(
                    (documents * (detectable / settings.targetDelta) * (detectable / settings.targetDelta)).rounded(.up)
                )
            }
            let comparison = comparisonLine(
                "AUC",
                own.auc,
                test.champion.auc,
                delta: test.delta,
                interval: test.deltaConfidenceInterval,
                pTwoSided: test.pValueTwoSided,
                alpha: settings.alpha
            )
            switch settings.comparison {
            case .worse:
                if test.delta < 0 && test.pValueChallengerWorse < settings.alpha {
                    report.verdict = .fail
                    reasons.append(
                        "significantly worse than the champion (one-sided \(pText(test.pValueChallengerWorse))): "
                            + comparison
                    )
                } else if test.delta < 0 {
                    report.verdict = max(report.verdict, .warn)
                    reasons.append("worse than the champion, not significantly: " + comparison)
                } else {
                    reasons.append(comparison)
                }
            case .nonInferiority:
                report.margin = settings.margin
                let p =
                    sd > 0
                    ? 1 - AUC.normalCDF((test.delta + settings.margin) / sd) : (test.delta > -settings.margin ? 0 : 1)
                report.pValueNonInferiority = p
                if p >= settings.alpha {
                    report.verdict = .fail
                    reasons.append(
                        "not shown to be within \(fixed(settings.margin, 3)) of the champion (one-sided \(pText(p))): "
                            + comparison
                    )
                } else {
                    reasons.append(
                        "non-inferior within \(fixed(settings.margin, 3)) (one-sided \(pText(p))): " + comparison
                    )
                }
            }
        } else if reasons.isEmpty {
            reasons.append(
                "AUC \(fixed(own.auc, 3)) [\(fixed(report.aucCI[0], 3)), \(fixed(report.aucCI[1], 3))], no champion: floor \(fixed(settings.floor, 2)) met"
            )
        }
        report.summary = reasons.joined(separator: "; ")
        return report
    }
}

extension AUCCheck {
    /// `AUC 0.969 vs champion 0.923, Δ +0.046 [0.037, 0.056], better (p < 0.001)`: the difference with its 95%
    /// interval, its direction when the two-sided test finds one at `alpha`, and the two-sided p-value.
    static func comparisonLine(
        _ name: String,
        _ challenger: Double,
        _ champion: Double,
        delta: Double,
        interval: ClosedRange<Double>,
        pTwoSided: Double,
        alpha: Double
    ) -> String {
        let direction = pTwoSided < alpha ? (delta > 0 ? "better" : "worse") : "no significant difference"
        return "\(name) \(fixed(challenger, 3)) vs champion \(fixed(champion, 3)), Δ \(signed(delta, 3)) "
            + "\(bracket(interval)), \(direction) (\(pText(pTwoSided)))"
    }

    /// `p < 0.001`, or `p = 0.042`.
    static func pText(_ p: Double) -> String {
        p < 0.001 ? "p < 0.001" : "p = \(fixed(p, 3))"
    }

    /// `[0.037, 0.056]`.
    static func bracket(_ interval: ClosedRange<Double>) -> String {
        "[\(fixed(interval.lowerBound, 3)), \(fixed(interval.upperBound, 3))]"
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
        challenger: [String: [Double]],
        champion: [String: [Double]]?,
        labels: [String],
        settings: AUCSettings
    ) throws(StatisticsError) -> AUCReport {
        let classes = Array(Set(labels)).sorted()
        if let missing = classes.first(where: { challenger[$0] == nil }) {
            throw StatisticsError(
                description:
                    "the evaluation set's label \"\(missing)\" is not one of the model's classes \(challenger.keys.sorted())"
            )
        }
        return try evaluateKnownClasses(
            challenger: challenger,
            champion: champion,
            labels: labels,
            classes: classes,
            settings: settings
        )
    }

    private static func evaluateKnownClasses(
        challenger: [String: [Double]],
        champion: [String: [Double]]?,
        labels: [String],
        classes: [String],
        settings: AUCSettings
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
                label: label,
                auc: own.auc,
                aucCI: [own.confidenceInterval.lowerBound, own.confidenceInterval.upperBound],
                nPos: own.positives,
                nNeg: own.negatives
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
                entry.pValueTwoSided = test.pValueTwoSided
                entry.deltaCI = [test.deltaConfidenceInterval.lowerBound, test.deltaConfidenceInterval.upperBound]
                if test.delta < 0 && test.pValueChallengerWorse < settings.alpha / k {
                    verdict = .fail
                    reasons.append(
                        "class \"\(label)\" significantly worse than the champion (Δ \(signed(test.delta, 3)) "
                            + "\(bracket(test.deltaConfidenceInterval)), "
                            + "one-sided \(pText(test.pValueChallengerWorse)), limit α/\(classes.count))"
                    )
                }
            }
            perClass.append(entry)
        }
        let macro = perClass.map(\.auc).reduce(0, +) / k
        let half = AUC.z975 * macroContribution.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var report = AUCReport(
            verdict: .pass,
            summary: "",
            auc: macro,
            aucCI: [max(0, macro - half), min(1, macro + half)],
            championAUC: nil,
            delta: nil,
            pValue: nil,
            pValueTwoSided: nil,
            z: nil,
            nPos: perClass.map(\.nPos).min() ?? 0,
            nNeg: labels.count - (perClass.map(\.nPos).min() ?? 0),
            floor: settings.floor
        )
        report.perClass = perClass
        if macro < settings.floor {
            verdict = .fail
            reasons.insert(
                "macro AUC \(fixed(macro, 3)) over \(classes.count) classes is below the floor \(fixed(settings.floor, 2))",
                at: 0
            )
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
            report.comparison = settings.comparison
            let comparison = comparisonLine(
                "macro AUC",
                macro,
                championMacro,
                delta: delta,
                interval: (delta - deltaHalf)...(delta + deltaHalf),
                pTwoSided: 2 * AUC.normalCDF(-abs(z)),
                alpha: settings.alpha
            )
            if delta < 0 && AUC.normalCDF(z) < settings.alpha {
                verdict = .fail
                reasons.insert(
                    "significantly worse than the champion (one-sided \(pText(AUC.normalCDF(z)))): " + comparison,
                    at: 0
                )
            } else if delta < 0 {
                verdict = max(verdict, .warn)
                reasons.append("worse than the champion, not significantly: " + comparison)
            } else if reasons.isEmpty {
                reasons.append(comparison)
            }
        } else if reasons.isEmpty {
            reasons.append(
                "macro AUC \(fixed(macro, 3)) over \(classes.count) classes, no champion: floor \(fixed(settings.floor, 2)) met"
            )
        }
        report.verdict = verdict
        report.summary = reasons.joined(separator: "; ")
        return report
    }
}
