import Foundation

/// Scores that no AUC can be computed from.
public struct StatisticsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong with the input.
    public var description: String
}

/// An AUC with its DeLong variance.
public struct DeLongEstimate: Sendable, Equatable {
    /// The area under the ROC curve (ties count ½).
    public var auc: Double
    /// DeLong's variance of the AUC.
    public var variance: Double
    /// The 95% confidence interval, clipped to [0, 1] as pROC's `ci.auc` does.
    public var confidenceInterval: ClosedRange<Double>
    /// Positive documents.
    public var positives: Int
    /// Negative documents.
    public var negatives: Int
}

/// The paired DeLong comparison of two models scored on the same documents.
///
/// Signs: `delta = challenger − champion`, so a positive `delta` and `z` favour the challenger.
/// ``pValueChallengerWorse`` tests H₁ "the challenger is worse" (`P(Z ≤ z)`): small when the challenger's AUC
/// is significantly lower. When DeLong's variance of `delta` is 0 (for instance identical scores), `z` is 0 if
/// `delta` is 0 (p-values 1 and ½) and ±∞ otherwise (p-values 0, and 0 or 1).
public struct PairedDeLongResult: Sendable, Equatable {
    /// The challenger's AUC and variance.
    public var challenger: DeLongEstimate
    /// The champion's AUC and variance.
    public var champion: DeLongEstimate
    /// DeLong's covariance of the two AUCs.
    public var covariance: Double
    /// `challenger.auc − champion.auc`.
    public var delta: Double
    /// DeLong's variance of `delta`.
    public var deltaVariance: Double
    /// The 95% confidence interval of `delta` (pROC's `roc.test` `conf.int`).
    public var deltaConfidenceInterval: ClosedRange<Double>
    /// `delta / sd(delta)`.
    public var z: Double
    /// Two-sided p-value, `2Φ(−|z|)`.
    public var pValueTwoSided: Double
    /// One-sided p-value for "the challenger is worse", `Φ(z)`.
    public var pValueChallengerWorse: Double
}

/// Tie-aware AUC (Mann–Whitney) and DeLong's test with the fast midrank algorithm of Sun and Xu (2014).
///
/// Positives are expected to score higher (pROC's `direction = "<"`).
public enum AUC {
    /// The 97.5% quantile of the standard normal distribution.
    static let z975 = 1.959963984540054

    /// The AUC of `scores` for documents labelled by `positives`.
    public static func auc(scores: [Double], positives: [Bool]) throws(StatisticsError) -> Double {
        try delong(scores: scores, positives: positives).auc
    }

    /// The AUC with its DeLong variance and confidence interval.
    public static func delong(scores: [Double], positives: [Bool]) throws(StatisticsError) -> DeLongEstimate {
        try Placements(scores: scores, positives: positives).estimate
    }

    /// Compares a challenger with the champion on the same documents.
    public static func pairedDeLong(
        challenger: [Double],
        champion: [Double],
        positives: [Bool]
    ) throws(StatisticsError) -> PairedDeLongResult {
        guard challenger.count == champion.count else {
            throw StatisticsError(
                description: "challenger has \(challenger.count) scores but champion has \(champion.count)"
            )
        }
        let a = try Placements(scores: challenger, positives: positives)
        let b = try Placements(scores: champion, positives: positives)
        let covariance =
            Self.covariance(a.v10, b.v10) / Double(a.v10.count) + Self.covariance(a.v01, b.v01) / Double(a.v01.count)
        let estimateA = a.estimate
        let estimateB = b.estimate
        let delta = estimateA.auc - estimateB.auc
        let variance = estimateA.variance + estimateB.variance - 2 * covariance
        let z: Double
        if variance > 0 {
            z = delta / variance.squareRoot()
        } else {
            z = delta == 0 ? 0 : (delta > 0 ? .infinity : -.infinity)
        }
        let half = z975 * max(variance, 0).squareRoot()
        return PairedDeLongResult(
            challenger: estimateA,
            champion: estimateB,
            covariance: covariance,
            delta: delta,
            deltaVariance: max(variance, 0),
            deltaConfidenceInterval: (delta - half)...(delta + half),
            z: z,
            pValueTwoSided: 2 * normalCDF(-abs(z)),
            pValueChallengerWorse: normalCDF(z)
        )
    }

    /// Φ, the standard normal distribution function.
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Φ⁻¹, the standard normal quantile function, for `p` in (0, 1).
    ///
    /// Acklam's rational approximation refined by one Halley step on ``normalCDF(_:)``: accurate to about 1e-15.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - 0.02425 {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = normalCDF(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// Each document's contribution to the DeLong variance of an AUC: `(V10 − θ)/√(m(m−1))` for positives,
    /// `(V01 − θ)/√(n(n−1))` for negatives, so that their sum of squares is exactly DeLong's variance and the
    /// sum of products of two such vectors estimates the covariance of two AUCs computed on the same documents
    /// (also for different positive classes, as in one-vs-rest multi-class AUC).
    public static func influence(
        scores: [Double],
        positives: [Bool]
    ) throws(StatisticsError) -> (auc: Double, contributions: [Double]) {
        let placements = try Placements(scores: scores, positives: positives)
        let m = Double(placements.v10.count)
        let n = Double(placements.v01.count)
        let positiveScale = m > 1 ? 1 / (m * (m - 1)).squareRoot() : 0
        let negativeScale = n > 1 ? 1 / (n * (n - 1)).squareRoot() : 0
        var contributions = [Double](repeating: 0, count: scores.count)
        var nextPositive = 0
        var nextNegative = 0
        for (index, isPositive) in positives.enumerated() {
            if isPositive {
                contributions[index] = (placements.v10[nextPositive] - placements.auc) * positiveScale
                nextPositive += 1
            } else {
                contributions[index] = (placements.v01[nextNegative] - placements.auc) * negativeScale
                nextNegative += 1
            }
        }
        return (placements.auc, contributions)
    }

    private struct Placements {
        var v10: [Double]
        var v01: [Double]
        var auc: Double

        /// Placements from one sort of the pooled scores (Sun and Xu's midrank algorithm, in counting form):
        /// walking the tie groups in increasing score, a positive's placement is the share of negatives below it
        /// (ties ½) and a negative's the share of positives above it. Counts are exact integers (halves for
        /// ties), so the AUC is exact up to one division.
        init(scores: [Double], positives: [Bool]) throws(StatisticsError) {
            guard scores.count == positives.count else {
                throw StatisticsError(description: "\(scores.count) scores for \(positives.count) labels")
            }
            if let bad = scores.firstIndex(where: { !$0.isFinite }) {
                throw StatisticsError(description: "score \(scores[bad]) of document \(bad + 1) is not a finite number")
            }
            if let first = scores.first, scores.allSatisfy({ $0 == first }) {
                throw StatisticsError(
                    description:
                        "every document has the same score (\(first)): the model does not rank the documents at all"
                )
            }
            // Each document's index among the documents of its class, in document order.
            var indexInClass = [Int](repeating: 0, count: scores.count)
            var m = 0
            var n = 0
            for (document, isPositive) in positives.enumerated() {
                if isPositive {
                    indexInClass[document] = m
                    m += 1
                } else {
                    indexInClass[document] = n
                    n += 1
                }
            }
            guard m > 0, n > 0 else {
                throw StatisticsError(
                    description: "AUC needs both classes; found \(m) positive and \(n) negative documents"
                )
            }
            struct Entry {
                var score: Double
                var document: Int
            }
            var order = scores.enumerated().map { Entry(score: $0.element, document: $0.offset) }
            order.sort { $0.score < $1.score }
            var v10 = [Double](repeating: 0, count: m)
            var v01 = [Double](repeating: 0, count: n)
            var negativesBelow = 0
            var positivesBelow = 0
            var wins = 0.0
            var start = 0
            while start < order.count {
                var end = start
                var tiedPositives = 0
                var tiedNegatives = 0
                while end < order.count && order[end].score == order[start].score {
                    if positives[order[end].document] { tiedPositives += 1 } else { tiedNegatives += 1 }
                    end += 1
                }
                let positiveWins = Double(negativesBelow) + Double(tiedNegatives) / 2
                let negativeLosses = Double(m - positivesBelow - tiedPositives) + Double(tiedPositives) / 2
                for entry in order[start..<end] {
                    if positives[entry.document] {
                        v10[indexInClass[entry.document]] = positiveWins / Double(n)
                    } else {
                        v01[indexInClass[entry.document]] = negativeLosses / Double(m)
                    }
                }
                wins += Double(tiedPositives) * positiveWins
                negativesBelow += tiedNegatives
                positivesBelow += tiedPositives
                start = end
            }
            self.v10 = v10
            self.v01 = v01
            auc = wins / (Double(m) * Double(n))
        }

        var estimate: DeLongEstimate {
            let m = Double(v10.count)
            let n = Double(v01.count)
            let variance =
                (v10.count > 1 ? AUC.covariance(v10, v10) / m : 0) + (v01.count > 1 ? AUC.covariance(v01, v01) / n : 0)
            let half = AUC.z975 * variance.squareRoot()
            return DeLongEstimate(
                auc: auc,
                variance: variance,
                confidenceInterval: max(0, auc - half)...min(1, auc + half),
                positives: v10.count,
                negatives: v01.count
            )
        }
    }

    /// Sample covariance (denominator `count − 1`); 0 for fewer than two values.
    static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let mx = x.reduce(0, +) / Double(x.count)
        let my = y.reduce(0, +) / Double(y.count)
        var sum = 0.0
        for i in x.indices { sum += (x[i] - mx) * (y[i] - my) }
        return sum / Double(x.count - 1)
    }
}
