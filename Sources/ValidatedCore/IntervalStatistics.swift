import Foundation

/// A mean of paired differences with its two-sided Student-t confidence interval.
struct PairedMean: Sendable, Equatable {
    /// The pairs.
    var count: Int
    /// Their mean.
    var mean: Double
    /// Their sample standard deviation (0 with fewer than 2 pairs).
    var standardDeviation: Double
    /// The interval's bounds; `nil` with fewer than 2 pairs.
    var interval: ClosedRange<Double>?
}

/// The intervals and tests of the counterfactual suite: Student-t intervals of paired differences, Wilson score
/// intervals of proportions, the exact binomial test and Benjamini–Hochberg q-values.
enum IntervalStatistics {
    /// `values`' mean with the two-sided `confidence` interval `mean ± t(1 − α/2, n − 1) · s / √n`.
    static func pairedMean(_ values: [Double], confidence: Double = 0.95) -> PairedMean {
        let n = values.count
        guard n > 0 else { return PairedMean(count: 0, mean: 0, standardDeviation: 0, interval: nil) }
        let mean = values.reduce(0, +) / Double(n)
        guard n > 1 else { return PairedMean(count: 1, mean: mean, standardDeviation: 0, interval: nil) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let sd = variance.squareRoot()
        let half = studentTQuantile((1 + confidence) / 2, degrees: Double(n - 1)) * sd / Double(n).squareRoot()
        return PairedMean(count: n, mean: mean, standardDeviation: sd, interval: (mean - half)...(mean + half))
    }

    /// The two-sided Wilson score interval of `successes` in `trials` at `confidence`; `nil` without trials.
    static func wilson(successes: Int, trials: Int, confidence: Double = 0.95) -> ClosedRange<Double>? {
        guard trials > 0 else { return nil }
        let z = AUC.normalQuantile((1 + confidence) / 2)
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let centre = p + z2 / (2 * n)
        let spread = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        let lower: Double = Swift.max(0, (centre - spread) / (1 + z2 / n))
        let upper: Double = Swift.min(1, (centre + spread) / (1 + z2 / n))
        return lower...upper
    }

    /// The `p` quantile of Student's t distribution with `degrees` degrees of freedom, by bisection on
    /// ``studentTCDF(_:degrees:)`` (to about 1e-12).
    static func studentTQuantile(_ p: Double, degrees: Double) -> Double {
        precondition(p > 0 && p < 1 && degrees > 0, "studentTQuantile needs 0 < p < 1 and positive degrees")
        var (low, high) = (-1e6, 1e6)
        for _ in 0..<200 where high - low > 1e-12 * max(1, abs(low)) {
            let middle = (low + high) / 2
            if studentTCDF(middle, degrees: degrees) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// Student's t distribution function: `1 − ½ I_{ν/(ν+t²)}(ν/2, ½)` for `t ≥ 0`, by symmetry below.
    static func studentTCDF(_ t: Double, degrees: Double) -> Double {
        let tail = 0.5 * regularizedIncompleteBeta(degrees / 2, 0.5, degrees / (degrees + t * t))
        return t >= 0 ? 1 - tail : tail
    }

    /// `I_x(a, b)`, by the continued fraction of Numerical Recipes' `betacf` (modified Lentz).
    static func regularizedIncompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let front = exp(logBeta + a * log(x) + b * log(1 - x))
        if x < (a + 1) / (a + b + 2) { return front * betaContinuedFraction(a, b, x) / a }
        return 1 - front * betaContinuedFraction(b, a, 1 - x) / b
    }

    private static func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var h = d
        for m in 1...500 {
            let m = Double(m)
            for numerator in [
                m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
            ] {
                d = 1 + numerator * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                h *= d * c
            }
            if abs(d * c - 1) < 1e-15 { break }
        }
        return h
    }

    /// The two-sided exact binomial p-value of `successes` in `trials` against rate `rate`: the probability of
    /// every outcome no more likely than the one observed (R's `binom.test`).
    static func binomialTwoSided(successes: Int, trials: Int, rate: Double) -> Double {
        guard trials > 0 else { return 1 }
        if rate <= 0 { return successes == 0 ? 1 : 0 }
        if rate >= 1 { return successes == trials ? 1 : 0 }
        let n = Double(trials)
        func logMass(_ k: Int) -> Double {
            let k = Double(k)
            return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(rate) + (n - k) * log(1 - rate)
        }
        let observed = logMass(successes)
        let total = (0...trials).reduce(0.0) { sum, k in
            let mass = logMass(k)
            return mass <= observed + 1e-7 ? sum + exp(mass) : sum
        }
        return min(1, total)
    }

    /// Benjamini–Hochberg q-values of `pValues`, in their order: `q_(i) = min_{j ≥ i} p_(j) · m / j`.
    static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = Double(pValues.count)
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var q = [Double](repeating: 1, count: pValues.count)
        var running = 1.0
        for (rank, index) in order.enumerated().reversed() {
            running = min(running, pValues[index] * m / Double(rank + 1))
            q[index] = min(1, running)
        }
        return q
    }

    /// The smallest mean paired difference a two-sided test at 95% detects with 80% power among `count` pairs of
    /// standard deviation `standardDeviation`: `(z₀.₉₇₅ + z₀.₈) · s / √n`; `nil` with fewer than 2 pairs.
    static func minimumDetectable(standardDeviation: Double, count: Int) -> Double? {
        guard count > 1 else { return nil }
        let z = AUC.normalQuantile(0.975) + AUC.normalQuantile(0.8)
        return z * standardDeviation / Double(count).squareRoot()
    }
}
