/// The lasso regularisation path computed by least-angle regression, as scikit-learn's
/// `lars_path(X, y, method="lasso")` computes it (the path LIME's `feature_selection="lasso_path"` walks).
///
/// The path starts with every coefficient zero at `alpha = max|Xᵀy| / n`. Each step moves the active
/// coefficients along the equiangular direction until an inactive column becomes as correlated with the
/// residual as the active ones (it joins) or an active coefficient reaches zero (it leaves: the lasso
/// modification). It ends when no column is left, when the largest correlation over `n` is at most `2⁻²³`
/// (float32's epsilon, scikit-learn's stopping tolerance), or when alpha would grow again. Only the Gram matrix
/// `XᵀX` and `Xᵀy` are needed, so LIME's `n × D` neighbourhood never has to exist as a matrix.
///
/// Numerical details follow scikit-learn 1.x: correlations along the direction are rounded to 15 decimals, the
/// Cholesky pivot is floored at machine epsilon, and a column whose pivot falls below `1e-7` (collinear with the
/// active set) is passed over.
public struct LassoPath: Sendable, Equatable {
    /// The regularisation at each point: the largest absolute correlation of an inactive column divided by `n`.
    public var alphas: [Double]
    /// The coefficients at each point, one row per point, one entry per column; the first row is all zeros.
    public var coefficients: [[Double]]

    /// Computes the path.
    ///
    /// - Parameters:
    ///   - gram: `XᵀX`, `p × p`, row-major.
    ///   - correlations: `Xᵀy`, `p` entries.
    ///   - samples: `n`, the rows of `X`; it scales alpha and so the stopping tolerance.
    ///   - maxSteps: scikit-learn's `max_iter`. Default 500.
    public init(gram: [Double], correlations: [Double], samples: Int, maxSteps: Int = 500) {
        let p = correlations.count
        precondition(gram.count == p * p, "LassoPath needs a p × p Gram matrix for p correlations")
        let tolerance = Double(Float.ulpOfOne)
        let tiny = Double(Float.leastNormalMagnitude)
        let n = Double(samples)
        func g(_ i: Int, _ j: Int) -> Double { gram[i * p + j] }

        var inactive = Array(0..<p)
        var inactiveCorrelations = correlations
        var active: [Int] = []
        var signs: [Double] = []
        var cholesky: [[Double]] = []
        var coefficient = [Double](repeating: 0, count: p)
        var alphas: [Double] = []
        var path: [[Double]] = [coefficient]
        var dropped = false
        var step = 0

        while true {
            var largest = 0.0
            var chosen = -1
            for (position, value) in inactiveCorrelations.enumerated() where chosen < 0 || abs(value) > largest {
                largest = abs(value)
                chosen = position
            }
            let alpha = largest / n
            if alphas.count == step { alphas.append(alpha) } else { alphas[step] = alpha }
            if alpha <= tolerance || step >= maxSteps || active.count >= p { break }

            if !dropped {
                let signed = inactiveCorrelations[chosen]
                let feature = inactive[chosen]
                let pivotRow = Self.forwardSubstitute(cholesky, active.map { g(feature, $0) })
                let pivot = max(
                    abs(g(feature, feature) - pivotRow.reduce(0) { $0 + $1 * $1 }).squareRoot(),
                    Double.ulpOfOne
                )
                if pivot < 1e-7 {
                    inactiveCorrelations[chosen] = 0
                    continue
                }
                inactive.swapAt(0, chosen)
                inactiveCorrelations.swapAt(0, chosen)
                inactive.removeFirst()
                inactiveCorrelations.removeFirst()
                cholesky.append(pivotRow + [pivot])
                active.append(feature)
                signs.append(signed > 0 ? 1 : (signed < 0 ? -1 : 0))
            }
            if step > 0, alphas[step - 1] < alpha { break }

            var direction = Self.choleskySolve(cholesky, signs)
            let normalisation: Double
            if direction.count == 1 && direction[0] == 0 {
                direction[0] = 1
                normalisation = 1
            } else {
                var total = zip(direction, signs).reduce(0) { $0 + $1.0 * $1.1 }
                var jitter = 0
                var regularised = cholesky
                while !(1 / total.squareRoot()).isFinite {
                    for k in regularised.indices { regularised[k][k] += Double(1 << jitter) * Double.ulpOfOne }
                    direction = Self.choleskySolve(regularised, signs)
                    total = max(zip(direction, signs).reduce(0) { $0 + $1.0 * $1.1 }, Double.ulpOfOne)
                    jitter += 1
                }
                normalisation = 1 / total.squareRoot()
                for k in direction.indices { direction[k] *= normalisation }
            }
            let along = inactive.map { column in
                let value = zip(active, direction).reduce(0.0) { $0 + g($1.0, column) * $1.1 }
                return (value * 1e15).rounded(.toNearestOrEven) / 1e15
            }
            var gamma = largest / normalisation
            for (value, slope) in zip(inactiveCorrelations, along) {
                gamma = min(gamma, Self.positiveOrHuge((largest - value) / (normalisation - slope + tiny)))
                gamma = min(gamma, Self.positiveOrHuge((largest + value) / (normalisation + slope + tiny)))
            }
            let crossings = active.indices.map { -coefficient[active[$0]] / (direction[$0] + tiny) }
            let firstCrossing = crossings.map(Self.positiveOrHuge).min() ?? .greatestFiniteMagnitude
            var leaving: [Int] = []
            dropped = false
            if firstCrossing < gamma {
                leaving = crossings.indices.filter { crossings[$0] == firstCrossing }.reversed()
                for k in leaving { signs[k] = -signs[k] }
                gamma = firstCrossing
                dropped = true
            }
            step += 1
            var next = [Double](repeating: 0, count: p)
            for (k, feature) in active.enumerated() { next[feature] = coefficient[feature] + gamma * direction[k] }
            coefficient = next
            path.append(coefficient)
            for j in inactiveCorrelations.indices { inactiveCorrelations[j] -= gamma * along[j] }
            if dropped {
                for k in leaving {
                    let feature = active.remove(at: k)
                    signs.remove(at: k)
                    var residual = correlations[feature]
                    for column in 0..<p { residual -= g(feature, column) * coefficient[column] }
                    inactive.insert(feature, at: 0)
                    inactiveCorrelations.insert(residual, at: 0)
                }
                cholesky = []
                for (k, feature) in active.enumerated() {
                    let row = Self.forwardSubstitute(cholesky, active[..<k].map { g(feature, $0) })
                    let pivot = max(
                        abs(g(feature, feature) - row.reduce(0) { $0 + $1 * $1 }).squareRoot(),
                        Double.ulpOfOne
                    )
                    cholesky.append(row + [pivot])
                }
            }
        }
        self.alphas = alphas
        self.coefficients = path
    }

    /// The columns LIME keeps: scanning the path from its least regularised point back to its second, the first
    /// point with at most `features` nonzero coefficients, its nonzero columns in increasing order. When no
    /// point qualifies the second point's columns are kept; a path of one point keeps every column.
    public func selection(features: Int) -> [Int] {
        let p = coefficients.first?.count ?? 0
        var nonzero = Array(0..<p)
        for point in coefficients.indices.dropFirst().reversed() {
            nonzero = (0..<p).filter { coefficients[point][$0] != 0 }
            if nonzero.count <= features { break }
        }
        return nonzero
    }

    /// `x` if positive, otherwise the largest finite double (scikit-learn's `min_pos` ignores the others).
    private static func positiveOrHuge(_ x: Double) -> Double { x > 0 ? x : .greatestFiniteMagnitude }

    /// Solves `L w = b` for lower-triangular `L` given by rows.
    private static func forwardSubstitute(_ l: [[Double]], _ b: [Double]) -> [Double] {
        var w = b
        for i in w.indices {
            for k in 0..<i { w[i] -= l[i][k] * w[k] }
            w[i] /= l[i][i]
        }
        return w
    }

    /// Solves `L Lᵀ x = b`.
    private static func choleskySolve(_ l: [[Double]], _ b: [Double]) -> [Double] {
        var x = forwardSubstitute(l, b)
        for i in x.indices.reversed() {
            for k in (i + 1)..<x.count { x[i] -= l[k][i] * x[k] }
            x[i] /= l[i][i]
        }
        return x
    }
}
