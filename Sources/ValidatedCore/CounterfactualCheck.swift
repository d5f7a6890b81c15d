import Foundation

/// A model's answers before and after the edits, per probe of a ``CounterfactualPlan``: P(positive class) and
/// the predicted class of the text compared with (the document, or the probe's control) and of the edited text.
struct CounterfactualScores: Sendable {
    /// P(positive class) of each probe's document or control.
    var before: [Double]
    /// P(positive class) of each probe's text.
    var after: [Double]
    /// The predicted class of each probe's document or control; `nil` for a model whose flips are not counted.
    var predictedBefore: [Int]?
    /// The predicted class of each probe's text.
    var predictedAfter: [Int]?
    /// The positive class's column, for the direction of a flip.
    var positive = 0

    /// Per probe: 1 when its text became the positive class, −1 when it stopped being it, 0 otherwise; `nil`
    /// when flips are not counted.
    var netFlips: [Double]? {
        guard let predictedBefore, let predictedAfter else { return nil }
        return zip(predictedBefore, predictedAfter).map { before, after in
            Double((after == positive ? 1 : 0) - (before == positive ? 1 : 0))
        }
    }
}

/// The counterfactual suite's statistics and verdicts (pure).
enum CounterfactualCheck {
    /// One test per spec of `plan` that has probes, by the spec's index, with `confidence` intervals and a
    /// verdict; the champion's shifts beside the challenger's when `champion` is given.
    static func tests(
        _ plan: CounterfactualPlan,
        documents: [LabeledDocument],
        challenger: CounterfactualScores,
        champion: CounterfactualScores?,
        settings: CounterfactualSettings,
        confidence: Double = 0.95
    ) -> [Int: CounterfactualReport.Test] {
        var probesOf = [[Int]](repeating: [], count: plan.tests.count)
        for (index, probe) in plan.probes.enumerated() { probesOf[probe.test].append(index) }
        var tests: [Int: CounterfactualReport.Test] = [:]
        for test in plan.tests.indices where !probesOf[test].isEmpty {
            let scores = (challenger, champion)
            tests[test] = self.test(plan, test, probesOf[test], documents, scores, settings, confidence)
        }
        return tests
    }

    /// Whether more documents could not plausibly change `test`'s verdict, for a test measured at an interim
    /// look with intervals of ``interimConfidence``: one of its intervals lies beyond its fail limit; or none can
    /// reach its fail limit and one lies beyond its warning limit; or all lie within their warning limits.
    ///
    /// This is Haybittle and Peto's group-sequential rule: stopping early only on intervals far wider than the
    /// final 95% ones keeps the chance of a verdict the full documents would not give near the 5% of one look.
    static func isSettled(_ test: CounterfactualReport.Test, settings: CounterfactualSettings) -> Bool {
        let intervals = [
            (test.meanShiftCI, settings.warnShift, settings.maxShift),
            (test.netFlipRateCI, settings.warnFlipRate, settings.maxFlipRate),
        ]
        let beyondChampion = test.champion.map { $0.differenceCI?.first ?? -.infinity }
        if intervals.contains(where: { surelyBeyond($0.0, $0.2) }) || (beyondChampion ?? 0) > settings.warnShift {
            return true
        }
        if let champion = test.champion, !((champion.differenceCI?.last ?? .infinity) < settings.warnShift) {
            return false
        }
        guard intervals.allSatisfy({ surelyWithin($0.0, $0.2) }) else { return false }
        return intervals.contains { surelyBeyond($0.0, $0.1) } || intervals.allSatisfy { surelyWithin($0.0, $0.1) }
    }

    /// The confidence of the intervals an interim look stops on (``isSettled(_:settings:)``).
    static let interimConfidence = 0.999

    /// Whether `interval` lies wholly further than `limit` from 0, on one side.
    private static func surelyBeyond(_ interval: [Double]?, _ limit: Double) -> Bool {
        distanceFromZero(interval) > limit
    }

    /// Whether `interval` lies wholly within `limit` of 0.
    private static func surelyWithin(_ interval: [Double]?, _ limit: Double) -> Bool {
        guard let interval, let lower = interval.first, let upper = interval.last else { return false }
        return -limit < lower && upper < limit
    }

    private static func test(
        _ plan: CounterfactualPlan,
        _ test: Int,
        _ probes: [Int],
        _ documents: [LabeledDocument],
        _ scores: (challenger: CounterfactualScores, champion: CounterfactualScores?),
        _ settings: CounterfactualSettings,
        _ confidence: Double
    ) -> CounterfactualReport.Test {
        let challenger = scores.challenger
        let rows = orderedRows(probes.map { plan.probes[$0].row })
        let ours = shifts(probes, plan, rows, challenger)
        let flips = probes.filter { probe in
            guard let before = challenger.predictedBefore, let after = challenger.predictedAfter else { return false }
            return before[probe] != after[probe]
        }.count
        let signed = IntervalStatistics.pairedMean(ours.signed, confidence: confidence)
        let absolute = IntervalStatistics.pairedMean(ours.absolute, confidence: confidence)
        let net = IntervalStatistics.pairedMean(
            challenger.netFlips.map { perRow(probes, plan, rows, $0) } ?? rows.map { _ in 0 },
            confidence: confidence
        )
        let spec = plan.tests[test]
        var result = CounterfactualReport.Test(
            kind: spec.kind,
            entry: spec.entry,
            inserted: spec.inserted,
            texts: probes.count,
            documents: rows.count,
            meanShift: signed.mean,
            meanShiftCI: signed.interval.map { [$0.lowerBound, $0.upperBound] },
            meanAbsShift: absolute.mean,
            meanAbsShiftCI: absolute.interval.map { [$0.lowerBound, $0.upperBound] },
            flipRate: Double(flips) / Double(probes.count),
            flipRateCI: IntervalStatistics.wilson(successes: flips, trials: probes.count, confidence: confidence).map {
                [$0.lowerBound, $0.upperBound]
            },
            netFlipRate: net.mean,
            netFlipRateCI: net.interval.map { [$0.lowerBound, $0.upperBound] },
            minDetectableShift: IntervalStatistics.minimumDetectable(
                standardDeviation: signed.standardDeviation,
                count: signed.count
            ),
            champion: nil,
            verdict: .pass,
            examples: zip(rows, ours.absolute).sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map {
                documents[$0.0].id
            }
        )
        if let champion = scores.champion {
            let theirs = shifts(probes, plan, rows, champion)
            let direction: Double = signed.mean < 0 ? -1 : 1
            let difference = IntervalStatistics.pairedMean(
                zip(ours.signed, theirs.signed).map { direction * ($0 - $1) },
                confidence: confidence
            )
            result.champion = CounterfactualReport.ChampionShift(
                meanAbsShift: theirs.absolute.reduce(0, +) / Double(max(theirs.absolute.count, 1)),
                meanShift: theirs.signed.reduce(0, +) / Double(max(theirs.signed.count, 1)),
                difference: difference.mean,
                differenceCI: difference.interval.map { [$0.lowerBound, $0.upperBound] }
            )
        }
        result.verdict = verdict(of: result, settings: settings)
        return result
    }

    /// The rows in first-seen order, each once.
    private static func orderedRows(_ rows: [Int]) -> [Int] {
        var seen: Set<Int> = []
        return rows.filter { seen.insert($0).inserted }
    }

    /// Per row (in `rows` order), the mean of `after − before` and of its absolute value over the row's probes.
    private static func shifts(
        _ probes: [Int],
        _ plan: CounterfactualPlan,
        _ rows: [Int],
        _ scores: CounterfactualScores
    ) -> (signed: [Double], absolute: [Double]) {
        let shifts = zip(scores.after, scores.before).map { $0 - $1 }
        return (perRow(probes, plan, rows, shifts), perRow(probes, plan, rows, shifts.map(abs)))
    }

    /// Per row (in `rows` order), the mean of `values` (one per probe of the plan) over the row's `probes`.
    private static func perRow(
        _ probes: [Int],
        _ plan: CounterfactualPlan,
        _ rows: [Int],
        _ values: [Double]
    ) -> [Double] {
        var sums: [Int: (total: Double, count: Double)] = [:]
        for probe in probes {
            let sum = sums[plan.probes[probe].row, default: (0, 0)]
            sums[plan.probes[probe].row] = (sum.total + values[probe], sum.count + 1)
        }
        return rows.map { sums[$0]!.total / sums[$0]!.count }
    }

    /// How far a 95% interval lies from 0 (0 when it holds 0): the smallest effect, in either direction, the
    /// interval supports.
    static func distanceFromZero(_ interval: [Double]?) -> Double {
        guard let interval, let lower = interval.first, let upper = interval.last else { return 0 }
        return Swift.max(lower, -upper, 0)
    }

    /// Fail when the 95% interval of the mean shift or of the net flip rate lies beyond its limit on either side of
    /// 0, or when the challenger moves further than the champion by more than ``CounterfactualSettings/warnShift``
    /// at 95%; warn when an interval lies beyond the warning limit.
    static func verdict(of test: CounterfactualReport.Test, settings: CounterfactualSettings) -> Verdict {
        let shift = distanceFromZero(test.meanShiftCI)
        let flips = distanceFromZero(test.netFlipRateCI)
        let beyondChampion = test.champion?.differenceCI?.first ?? -.infinity
        if shift > settings.maxShift || flips > settings.maxFlipRate || beyondChampion > settings.warnShift {
            return .fail
        }
        if shift > settings.warnShift || flips > settings.warnFlipRate { return .warn }
        return .pass
    }

    /// The suite's verdict and summary from its tests and candidates.
    static func summarize(
        _ tests: [CounterfactualReport.Test],
        candidates: [CounterfactualReport.Candidate],
        settings: CounterfactualSettings
    ) -> (verdict: Verdict, summary: String) {
        var verdict = tests.map(\.verdict).max() ?? .pass
        if settings.candidatesWarn, !candidates.isEmpty { verdict = max(verdict, .warn) }
        let moved = tests.filter { $0.verdict != .pass }.sorted { abs($0.meanShift) > abs($1.meanShift) }
        let lines = moved.map { test in
            let beyond = test.champion.map { String(format: ", %+.3f beyond the champion", $0.difference) } ?? ""
            return String(
                format: "%@ of %@ moves P(positive) by %+.3f [%+.3f, %+.3f], net flips %+.1f%% of %d texts%@",
                test.kind,
                test.kind == "erasure" ? test.entry : "\"\(test.inserted ?? test.entry)\"",
                test.meanShift,
                test.meanShiftCI?.first ?? test.meanShift,
                test.meanShiftCI?.last ?? test.meanShift,
                100 * test.netFlipRate,
                test.texts,
                beyond
            )
        }
        // Tests that inject the same string (an artefact string, the regular expression it carries, all entries)
        // read the same: each once.
        var seen: Set<String> = []
        var parts = Array(lines.filter { seen.insert($0).inserted }.prefix(3))
        if !candidates.isEmpty {
            parts.append("candidate shortcuts: \(candidates.prefix(5).map(\.token).joined(separator: ", "))")
        }
        if parts.isEmpty {
            parts.append(
                tests.isEmpty
                    ? "no banned entry or artefact string to test"
                    : "\(tests.count) erasure and injection tests leave the predictions in place"
            )
        }
        return (verdict, parts.joined(separator: "; "))
    }
}
