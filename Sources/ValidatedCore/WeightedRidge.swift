/// Weighted ridge regression with an unpenalised intercept, as scikit-learn's `Ridge(alpha, fit_intercept=True)`
/// fitted with `sample_weight`.
///
/// With weights `w`, weighted means `x̄ = Σwx/Σw` and `ȳ = Σwy/Σw`, the coefficients solve
/// `(X̃ᵀWX̃ + αI) β = X̃ᵀWỹ` for the centred `X̃ = X − x̄`, `ỹ = y − ȳ`, and the intercept is `ȳ − x̄ᵀβ`.
/// LIME's design matrices are binary, so rows are given as the list of columns that are 1.
public struct WeightedRidge: Sendable, Equatable {
    /// The coefficients, one per column.
    public var coefficients: [Double]
    /// The intercept.
    public var intercept: Double
    /// The weighted R² of the fit on its own data.
    public var score: Double

    /// Fits the model.
    ///
    /// - Parameters:
    ///   - activeColumns: For each sample, the columns (in `0..<columns`) whose value is 1; all others are 0.
    ///   - columns: The number of columns.
    ///   - targets: One target per sample.
    ///   - weights: One non-negative weight per sample.
    ///   - alpha: The L2 penalty.
    public init(activeColumns: [[Int]], columns: Int, targets: [Double], weights: [Double], alpha: Double) {
        let p = columns
        var totalWeight = 0.0, sumWY = 0.0
        var sumWX = [Double](repeating: 0, count: p)
        var sumWXY = [Double](repeating: 0, count: p)
        var gram = [Double](repeating: 0, count: p * p)
        for (row, active) in activeColumns.enumerated() {
            let w = weights[row], y = targets[row]
            totalWeight += w
            sumWY += w * y
            for i in active {
                sumWX[i] += w
                sumWXY[i] += w * y
                for j in active where j >= i { gram[i * p + j] += w }
            }
        }
        let meanY = sumWY / totalWeight
        var matrix = [Double](repeating: 0, count: p * p)
        var rhs = [Double](repeating: 0, count: p)
        for i in 0..<p {
            rhs[i] = sumWXY[i] - sumWX[i] * meanY
            for j in i..<p {
                let value = gram[i * p + j] - sumWX[i] * sumWX[j] / totalWeight
                matrix[i * p + j] = value
                matrix[j * p + i] = value
            }
            matrix[i * p + i] += alpha
        }
        let beta = Self.solveSymmetric(matrix, rhs, size: p)
        let intercept = meanY - (0..<p).reduce(0.0) { $0 + beta[$1] * sumWX[$1] / totalWeight }

        var residual = 0.0, total = 0.0
        for (row, active) in activeColumns.enumerated() {
            let prediction = active.reduce(intercept) { $0 + beta[$1] }
            let w = weights[row], y = targets[row]
            residual += w * (y - prediction) * (y - prediction)
            total += w * (y - meanY) * (y - meanY)
        }
        coefficients = beta
        self.intercept = intercept
        score = total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
    }

    /// The prediction for a sample whose active columns are `active`.
    public func predict(active: [Int]) -> Double {
        active.reduce(intercept) { $0 + coefficients[$1] }
    }

    /// Solves `A x = b` for symmetric positive semi-definite `A` by Cholesky, adding a tiny ridge when `A` is
    /// singular (as it can be with `alpha = 0`), so the minimum-norm-like solution is returned instead of NaN.
    static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double] {
        if n == 0 { return [] }
        let scale = max((0..<n).map { abs(a[$0 * n + $0]) }.max() ?? 1, 1e-300)
        var jitter = 0.0
        for _ in 0..<8 {
            if let x = cholesky(a, b, n, jitter: jitter) { return x }
            jitter = jitter == 0 ? scale * 1e-12 : jitter * 100
        }
        return [Double](repeating: 0, count: n)
    }

    private static func cholesky(_ a: [Double], _ b: [Double], _ n: Int, jitter: Double) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j] + (i == j ? jitter : 0)
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
