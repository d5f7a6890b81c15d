import Foundation

/// The sampling covariance of a weighted ridge's coefficients over LIME's random masks.
///
/// The coefficients solve `(C + αI) β = X̃ᵀW ỹ` on the weighted-centred design (``WeightedMoments``), so
/// `β − β* ≈ (C + αI)⁻¹ Σ wᵢ x̃ᵢ eᵢ` with the residuals `eᵢ = yᵢ − b − xᵢᵀβ`. Its heteroskedasticity-robust
/// (sandwich, HC1) estimate is
///
///     V = n/(n − p − 1) · (C + αI)⁻¹ [Σ wᵢ² eᵢ² x̃ᵢ x̃ᵢᵀ] (C + αI)⁻¹
///
/// with `n` rows and `p` columns (the factor is 1 when `n ≤ p + 1`). It assumes nothing about the model's
/// noise: LIME's targets are deterministic, and what varies between seeds is which masks were drawn, which this
/// estimate captures through the residuals of the masks that were.
///
/// Cost: `O(Σ zᵢ²)` over the rows' removed features to accumulate, `O(p³)` to invert and multiply.
public enum SandwichCovariance {
    /// `V` (row-major, `p × p` for `p = design.columns`) of `fit`, a ridge of penalty `alpha` on every column of
    /// `design` with `targets` and `weights`, whose sums are `moments`.
    ///
    /// - Precondition: `targets.count == weights.count == design.rows`, `fit` has one coefficient per column and
    ///   `moments` are the sums of the same design, targets and weights.
    public static func covariance(
        design: BinaryDesign, targets: [Double], weights: [Double], moments: WeightedMoments, fit: WeightedRidge,
        alpha: Double
    ) -> [Double] {
        let p = design.columns, n = design.rows
        precondition(
            fit.coefficients.count == p && targets.count == n && weights.count == n, "one value per row and column"
        )
        let meat = robustMeat(design: design, targets: targets, weights: weights, fit: fit)
        var bread = moments.centredSystem(columns: Array(0..<p)).matrix
        for a in 0..<p { bread[a * p + a] += alpha }
        let inverse = SymmetricMatrix.inverse(bread, size: p)
        let scale = n > p + 1 ? Double(n) / Double(n - p - 1) : 1
        let left = SymmetricMatrix.multiply(inverse, meat, size: p)
        return SymmetricMatrix.multiply(left, inverse, size: p).map { $0 * scale }
    }

    /// `Σ aᵢ x̃ᵢx̃ᵢᵀ` with `aᵢ = wᵢ² eᵢ²`. A row is `xᵢ = 1 − zᵢ` for its removed features `zᵢ`, so with
    /// `c = 1 − x̄` it is `A ccᵀ − c uᵀ − u cᵀ + Σ aᵢ zᵢzᵢᵀ`, `A = Σ aᵢ`, `u = Σ aᵢ zᵢ`: only removed pairs are
    /// visited.
    static func robustMeat(design: BinaryDesign, targets: [Double], weights: [Double], fit: WeightedRidge) -> [Double] {
        let p = design.columns, n = design.rows
        let totalWeight = weights.reduce(0, +)
        var removedWeight = [Double](repeating: 0, count: p)
        let coefficientSum = fit.coefficients.reduce(0, +)
        var a = 0.0
        var u = [Double](repeating: 0, count: p)
        var meat = [Double](repeating: 0, count: p * p)
        for row in 0..<n {
            let removed = design.zeroColumns(ofRow: row)
            var prediction = fit.intercept + coefficientSum
            for column in removed {
                prediction -= fit.coefficients[Int(column)]
                removedWeight[Int(column)] += weights[row]
            }
            let residual = targets[row] - prediction
            let share = weights[row] * weights[row] * residual * residual
            a += share
            for i in removed {
                u[Int(i)] += share
                for j in removed { meat[Int(i) * p + Int(j)] += share }
            }
        }
        let c = removedWeight.map { $0 / totalWeight }  // 1 − x̄
        for i in 0..<p {
            for j in 0..<p { meat[i * p + j] += a * c[i] * c[j] - c[i] * u[j] - u[i] * c[j] }
        }
        return meat
    }
}

/// Whether LIME's top-k features are statistically separated from the features below them.
///
/// For the ranking coefficients `β` (the all-feature ridge `highest_weights` ranks) with sampling covariance `V`
/// (``SandwichCovariance``), every pair of a feature `a` inside the top `k` and a feature `b` outside is tested
/// one-sided for `|β_a| − |β_b| > 0` by the delta method,
///
///     z = (|β_a| − |β_b|) / √(V_aa + V_bb − 2 s_a s_b V_ab)
///
/// with `s` the signs. The top `k` is certified when Holm's step-down procedure at level `α = 1 − confidence`
/// rejects every one of the `m` pairs tested: the `i`-th largest `z` (from 0) clears the upper `α/(m − i)`
/// quantile. The pair closest to a tie must clear the upper `α` quantile itself, and pairs far from the
/// boundary, whose `z` is large, cost almost nothing. The family-wise error over the tested pairs, and so the
/// chance of certifying a set that is not the true top `k`, stays below `α` (asymptotically over the masks; the
/// pairs tested are chosen from the same estimates, as in S-LIME). A text with at most `k` features is
/// certified without a test.
///
/// ## Negligible features
///
/// Two features with no effect have equal true weights (zero) and can never be separated, however many
/// samples are drawn; a text with more than `k` features, fewer than `k` of which matter, would then always run
/// to the ceiling. A feature is *negligible* when its estimated weight is below `negligible × max|β|`, and a pair
/// whose two features are both negligible is not tested. The certificate then says that every feature of the
/// top `k` that is not negligible is separated from every feature outside it, and that the top `k`'s remaining
/// places hold features below that share of the largest weight, in an order that is not claimed (a fixed-size
/// explanation does not order them reliably either: their weights are noise around zero). A confidence bound
/// instead of the estimate would be stricter but, at a few hundred samples, wider than any useful share, so
/// such documents would again run to the ceiling. With `negligible` 0 every pair is tested and such ties block
/// certification: the default (``LimeSettings/certifyNegligible``), because on 60 WordNet glosses (native TF-IDF
/// model, 95%, `validated-benchmarks certify`) every positive share traded seed stability for samples: top-10
/// seed-to-seed Jaccard 0.964 with 2714 mean samples at 0 (fixed 5000: 0.964), 0.956 with 2226 at 0.05, 0.924
/// with 1494 at 0.1, 0.891 with 793 at 0.2.
public struct TopKCertificate: Sendable, Equatable {
    /// Whether every tested pair was separated (always `true` when there are at most `k` features).
    public var certified: Bool
    /// The number of boundary pairs tested (both sides negligible are skipped).
    public var pairsTested: Int
    /// The smallest `z` over the tested pairs; `+∞` when none was tested.
    public var smallestZ: Double
    /// The critical value the pair closest to a tie had to clear (Holm's last step).
    public var critical: Double

    /// Tests the top `k` of `coefficients` (ranked by absolute value, ties to the lower index, as
    /// ``LimeTextExplainer/selectFeatures(_:)`` ranks them) against the rest.
    ///
    /// - Parameters:
    ///   - covariance: `p × p`, row-major, for `p = coefficients.count`.
    ///   - confidence: In `(0, 1)`.
    ///   - negligible: In `[0, 1)`: the share of the largest absolute weight below which a weight is negligible.
    public static func test(
        coefficients: [Double], covariance: [Double], k: Int, confidence: Double, negligible: Double
    ) -> TopKCertificate {
        let p = coefficients.count
        guard p > k else {
            return TopKCertificate(certified: true, pairsTested: 0, smallestZ: .infinity, critical: 0)
        }
        let order = (0..<p).sorted { (abs(coefficients[$0]), $1) > (abs(coefficients[$1]), $0) }
        let inside = order.prefix(k), outside = order.dropFirst(k)
        let largest = abs(coefficients[order[0]])
        let isNegligible = coefficients.map { abs($0) < negligible * largest }
        var zs: [Double] = []
        for a in inside {
            for b in outside where !(isNegligible[a] && isNegligible[b]) {
                let sa = coefficients[a] < 0 ? -1.0 : 1.0, sb = coefficients[b] < 0 ? -1.0 : 1.0
                let variance = covariance[a * p + a] + covariance[b * p + b] - 2 * sa * sb * covariance[a * p + b]
                let gap = abs(coefficients[a]) - abs(coefficients[b])
                zs.append(variance > 0 ? gap / variance.squareRoot() : (gap > 0 ? .infinity : -.infinity))
            }
        }
        guard !zs.isEmpty else {
            return TopKCertificate(certified: true, pairsTested: 0, smallestZ: .infinity, critical: 0)
        }
        // Holm's step-down: the i-th largest z (from 0) must clear the quantile of (1 − confidence)/(m − i).
        let sorted = zs.sorted(by: >), m = zs.count, alpha = 1 - confidence
        let certified = sorted.indices.allSatisfy { sorted[$0] > NormalQuantile.upper(alpha / Double(m - $0)) }
        return TopKCertificate(
            certified: certified, pairsTested: m, smallestZ: sorted[m - 1], critical: NormalQuantile.upper(alpha)
        )
    }
}

/// Upper quantiles of the standard normal distribution.
enum NormalQuantile {
    /// The `z` with `P(Z > z) = tail`, for `tail` in `(0, 1)`: bisection on `erfc`, to about 1e-12.
    static func upper(_ tail: Double) -> Double {
        var low = -40.0, high = 40.0
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if 0.5 * erfc(middle / 2.0.squareRoot()) > tail { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}

/// Small dense symmetric-matrix arithmetic for ``SandwichCovariance``.
enum SymmetricMatrix {
    /// The inverse of a symmetric positive definite `n × n` matrix, from one Cholesky factor `A = LLᵀ` in
    /// `O(n³)`: `A⁻¹ = L⁻ᵀL⁻¹`. A matrix that does not factor (singular up to rounding) falls back to
    /// ``Cholesky/solve(_:_:size:)`` column by column, which adds a growing diagonal jitter.
    static func inverse(_ a: [Double], size n: Int) -> [Double] {
        guard let lower = choleskyFactor(a, size: n) else {
            var result = [Double](repeating: 0, count: n * n)
            for j in 0..<n {
                let column = Cholesky.solve(a, (0..<n).map { $0 == j ? 1.0 : 0.0 }, size: n)
                for i in 0..<n { result[i * n + j] = column[i] }
            }
            return result
        }
        // M = L⁻¹, lower triangular, by forward substitution.
        var m = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            m[j * n + j] = 1 / lower[j * n + j]
            for i in (j + 1)..<max(j + 1, n) {
                var sum = 0.0
                for k in j..<i { sum -= lower[i * n + k] * m[k * n + j] }
                m[i * n + j] = sum / lower[i * n + i]
            }
        }
        // A⁻¹ = MᵀM, symmetric.
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in j..<n { sum += m[k * n + i] * m[k * n + j] }
                result[i * n + j] = sum
                result[j * n + i] = sum
            }
        }
        return result
    }

    /// The lower Cholesky factor of `a` (row-major), or `nil` when `a` is not numerically positive definite.
    private static func choleskyFactor(_ a: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }

    /// `A B` for `n × n` row-major matrices.
    static func multiply(_ a: [Double], _ b: [Double], size n: Int) -> [Double] {
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n where a[i * n + k] != 0 {
                let scale = a[i * n + k]
                for j in 0..<n { result[i * n + j] += scale * b[k * n + j] }
            }
        }
        return result
    }
}

extension LimeTextExplainer {
    /// The ridge penalty of the all-feature fit whose ranking is certified: `highest_weights`'.
    static let rankingAlpha = 0.01

    /// Whether the top ``LimeSettings/features`` of the neighbourhood `design` are certified at
    /// ``LimeSettings/certifyConfidence``.
    ///
    /// What is certified is the ranking of the all-feature ridge (alpha 0.01) that `highest_weights` selects
    /// from, so for ``FeatureSelection/highestWeights`` (and ``FeatureSelection/auto`` with more than 6 features,
    /// the default) it is the explanation's own feature set. `forward_selection` and `lasso_path` choose their
    /// features by other paths; for them (and for `none`, which keeps every feature) the certificate is that
    /// the same all-feature ranking's top set is separated, a proxy for the stability of their selection, not a
    /// test of it.
    func certificate(
        design: BinaryDesign, targets: [Double], weights: [Double], moments: WeightedMoments
    ) -> TopKCertificate {
        let d = design.columns
        guard d > settings.features else {
            return TopKCertificate(certified: true, pairsTested: 0, smallestZ: .infinity, critical: 0)
        }
        let fit = moments.ridge(columns: Array(0..<d), alpha: Self.rankingAlpha)
        let covariance = SandwichCovariance.covariance(
            design: design, targets: targets, weights: weights, moments: moments, fit: fit, alpha: Self.rankingAlpha
        )
        return TopKCertificate.test(
            coefficients: fit.coefficients, covariance: covariance, k: settings.features,
            confidence: settings.certifyConfidence ?? 0.95, negligible: settings.certifyNegligible
        )
    }
}
