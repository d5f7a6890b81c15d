/// A binary design matrix stored row by row as the columns that are 0, all others being 1.
///
/// This is the shape of LIME's neighbourhood: row 0 is the original text (every word present) and each other
/// row removes a few words. Storing the zeros keeps a row's cost proportional to what was removed.
public struct BinaryDesign: Sendable, Equatable {
    /// The number of columns.
    public let columns: Int
    /// Row `r`'s zero columns are `zeros[starts[r]..<starts[r + 1]]`.
    private var starts: [Int] = [0]
    private var zeros: [Int32] = []

    /// Creates a design with `columns` columns and no rows.
    public init(columns: Int) {
        precondition(columns >= 0 && columns <= Int(Int32.max), "BinaryDesign needs 0...Int32.max columns")
        self.columns = columns
    }

    /// The number of rows.
    public var rows: Int { starts.count - 1 }

    /// Appends a row that is 0 in `zeroColumns` (distinct, each in `0..<columns`) and 1 elsewhere.
    public mutating func append(zeroColumns: some Sequence<Int>) {
        for column in zeroColumns {
            precondition(column >= 0 && column < columns, "column \(column) is outside 0..<\(columns)")
            zeros.append(Int32(column))
        }
        starts.append(zeros.count)
    }

    /// ``append(zeroColumns:)`` for columns the caller guarantees distinct and in range: the sampling loop's
    /// path, one copy per row.
    mutating func appendTrusted(zeroColumns: UnsafeBufferPointer<Int32>) {
        zeros.append(contentsOf: zeroColumns)
        starts.append(zeros.count)
    }

    /// Appends a row that is 1 in `oneColumns` (each in `0..<columns`) and 0 elsewhere.
    public mutating func append(oneColumns: some Sequence<Int>) {
        var isOne = [Bool](repeating: false, count: columns)
        for column in oneColumns { isOne[column] = true }
        append(zeroColumns: (0..<columns).filter { !isOne[$0] })
    }

    /// Reserves room for `rows` rows with `zeros` zero entries in all.
    public mutating func reserveCapacity(rows: Int, zeros: Int) {
        starts.reserveCapacity(rows + 1)
        self.zeros.reserveCapacity(zeros)
    }

    /// The columns that are 0 in row `row`.
    public func zeroColumns(ofRow row: Int) -> ArraySlice<Int32> {
        zeros[starts[row]..<starts[row + 1]]
    }

    /// The number of columns that are 1 in row `row`.
    public func onesCount(ofRow row: Int) -> Int {
        columns - (starts[row + 1] - starts[row])
    }
}

/// The weighted sums a ridge regression on a ``BinaryDesign`` needs, for any subset of its columns.
///
/// ## The fit
///
/// scikit-learn's `Ridge(alpha, fit_intercept=True).fit(X, y, sample_weight=w)` minimises
/// `Σᵢ wᵢ (yᵢ − b − xᵢᵀβ)² + α‖β‖²`; the intercept `b` is not penalised. Setting the derivative in `b` to
/// zero gives `b = ȳ − x̄ᵀβ` with the weighted means `x̄ = Σwx/Σw` and `ȳ = Σwy/Σw`. Substituting it
/// leaves ridge on the weighted-centred data `X̃ = X − x̄`, `ỹ = y − ȳ`:
///
///     (C + αI) β = r,   C = X̃ᵀWX̃ = G − s sᵀ/Σw,   r = X̃ᵀWỹ
///
/// where `G = XᵀWX` and `s = XᵀW1`. `C + αI` is symmetric positive definite for `α > 0` (semi-definite for
/// `α = 0`), so it is solved by Cholesky. The weighted R² of the fit on its own data is `1 − SSR/SST` with
/// `SST = Σw ỹ²` and `SSR = Σw(ỹ − X̃β)² = SST − 2βᵀr + βᵀCβ`.
///
/// ## Cost
///
/// Building costs `O(Σ min(k, D − k)²)` over rows with `k` ones of `D` columns: a row with more ones than
/// zeros is added through its zeros, using `G = Σw·(1 − z)(1 − z)ᵀ = T·11ᵀ − u1ᵀ − 1uᵀ + Σw·zzᵀ` with `T` and
/// `u` the weights and per-column zero weights of such rows. That is a quarter of the cost of adding every row
/// through its ones. A fit on `p` columns costs `O(p³)`.
public struct WeightedMoments: Sendable {
    /// The number of columns.
    public let columns: Int
    /// The number of rows accumulated.
    public let rows: Int
    private let totalWeight: Double
    /// `Σw ỹ`, zero up to rounding; kept so the centring is exact.
    private let centredTargetSum: Double
    /// `Σw ỹ²`.
    private let totalSquares: Double
    private let meanTarget: Double
    /// `s = XᵀW1`.
    private let columnWeights: [Double]
    /// `XᵀWỹ`.
    private let columnTargets: [Double]
    /// `G` is `pairs[i, j] + pairs[j, i]` off the diagonal and `pairs[i, i]` on it, plus the complement terms.
    private let pairs: [Double]
    private let complementWeight: Double
    private let complementZeroWeights: [Double]

    /// Accumulates the sums of `design` with one target and one non-negative weight per row.
    ///
    /// - Precondition: `targets.count == weights.count == design.rows`, and the weights sum to more than 0.
    public init(design: BinaryDesign, targets: [Double], weights: [Double]) {
        let d = design.columns, n = design.rows
        precondition(targets.count == n && weights.count == n, "WeightedMoments needs one target and one weight per row")
        let total = weights.reduce(0, +)
        precondition(total > 0, "WeightedMoments needs a positive total weight")
        let mean = zip(weights, targets).reduce(0.0) { $0 + $1.0 * $1.1 } / total

        var centredSum = 0.0, squares = 0.0
        var columnWeights = [Double](repeating: 0, count: d)
        var columnTargets = [Double](repeating: 0, count: d)
        var complementWeight = 0.0, complementTargets = 0.0
        var complementZeroWeights = [Double](repeating: 0, count: d)
        var complementZeroTargets = [Double](repeating: 0, count: d)
        var pairs = [Double](repeating: 0, count: d * d)
        var ones = [Int](repeating: 0, count: d)
        var isZero = [Bool](repeating: false, count: d)
        pairs.withUnsafeMutableBufferPointer { pairs in
            for row in 0..<n {
                let w = weights[row], y = targets[row] - mean
                centredSum += w * y
                squares += w * y * y
                let zeroColumns = design.zeroColumns(ofRow: row)
                if zeroColumns.count <= d - zeroColumns.count {
                    // Through the zeros: the T·11ᵀ and u parts are settled once, in gram(_:_:) and below.
                    complementWeight += w
                    complementTargets += w * y
                    for (a, i) in zeroColumns.enumerated() {
                        let column = Int(i)
                        complementZeroWeights[column] += w
                        complementZeroTargets[column] += w * y
                        let base = column * d
                        for j in zeroColumns[(zeroColumns.startIndex + a + 1)...] { pairs[base + Int(j)] += w }
                    }
                } else {
                    for i in zeroColumns { isZero[Int(i)] = true }
                    var count = 0
                    for column in 0..<d where !isZero[column] {
                        ones[count] = column
                        count += 1
                    }
                    for i in zeroColumns { isZero[Int(i)] = false }
                    for a in 0..<count {
                        let column = ones[a]
                        columnWeights[column] += w
                        columnTargets[column] += w * y
                        let base = column * d
                        for b in a..<count { pairs[base + ones[b]] += w }
                    }
                }
            }
        }
        for column in 0..<d {
            columnWeights[column] += complementWeight - complementZeroWeights[column]
            columnTargets[column] += complementTargets - complementZeroTargets[column]
        }
        self.columns = d
        self.rows = n
        self.totalWeight = total
        self.meanTarget = mean
        self.centredTargetSum = centredSum
        self.totalSquares = squares
        self.columnWeights = columnWeights
        self.columnTargets = columnTargets
        self.pairs = pairs
        self.complementWeight = complementWeight
        self.complementZeroWeights = complementZeroWeights
    }

    /// `G[i, j] = Σw xᵢ xⱼ`. `pairs` holds the rows added through their ones and, off the diagonal, the
    /// `Σw zᵢzⱼ` of the rows added through their zeros.
    private func gram(_ i: Int, _ j: Int) -> Double {
        let d = columns
        if i == j { return pairs[i * d + i] + complementWeight - complementZeroWeights[i] }
        return pairs[i * d + j] + pairs[j * d + i] + complementWeight - complementZeroWeights[i] - complementZeroWeights[j]
    }

    /// The weighted-centred normal equations on the columns `subset`: `C = X̃ᵀWX̃` (`p × p`, row-major) and
    /// `r = X̃ᵀWỹ`. They are also the Gram matrix and correlations of the data LIME's `lasso_path` builds,
    /// `(X − x̄)·√w` and `(y − ȳ)·√w`.
    public func centredSystem(columns subset: [Int]) -> (matrix: [Double], rhs: [Double]) {
        let p = subset.count
        let w = totalWeight
        let centredMean = centredTargetSum / w
        var matrix = [Double](repeating: 0, count: p * p)
        var rhs = [Double](repeating: 0, count: p)
        for (a, i) in subset.enumerated() {
            rhs[a] = columnTargets[i] - columnWeights[i] * centredMean
            for (b, j) in subset.enumerated() where b >= a {
                let value = gram(i, j) - columnWeights[i] * columnWeights[j] / w
                matrix[a * p + b] = value
                matrix[b * p + a] = value
            }
        }
        return (matrix, rhs)
    }

    /// LIME's `lasso_path` on every column: the LARS lasso path of the weighted-centred data.
    public func lassoPath() -> LassoPath {
        let system = centredSystem(columns: Array(0..<columns))
        return LassoPath(gram: system.matrix, correlations: system.rhs, samples: rows)
    }

    /// Fits a ridge regression with an unpenalised intercept on the columns `subset` (distinct).
    public func ridge(columns subset: [Int], alpha: Double) -> WeightedRidge {
        let p = subset.count
        let w = totalWeight
        let centredMean = centredTargetSum / w
        let (matrix, rhs) = centredSystem(columns: subset)
        var penalised = matrix
        for a in 0..<p { penalised[a * p + a] += alpha }
        let beta = Cholesky.solve(penalised, rhs, size: p)

        var intercept = meanTarget + centredMean
        var explained = 0.0, curvature = 0.0
        for a in 0..<p {
            intercept -= beta[a] * columnWeights[subset[a]] / w
            explained += beta[a] * rhs[a]
            var row = 0.0
            for b in 0..<p { row += matrix[a * p + b] * beta[b] }
            curvature += beta[a] * row
        }
        let sst = totalSquares - centredTargetSum * centredMean
        let ssr = max(sst - 2 * explained + curvature, 0)
        return WeightedRidge(coefficients: beta, intercept: intercept, score: sst > 0 ? 1 - ssr / sst : 1)
    }

    /// The standard errors of a ridge fit's coefficients on the columns `subset`, as Visani et al.'s LIME
    /// stability indices define them (`lime_stability`'s `compute_WLS_stdevs`):
    ///
    ///     σ² = SSR_wls / (N − p),   Var(β) = σ² · P G P,   P = (G + αI)⁻¹,   G = XᵀWX
    ///
    /// where `SSR_wls` is the weighted residual sum of squares of the unpenalised weighted least-squares fit
    /// with an intercept, `N` the rows and `p` the columns of the subset. `G` is not centred, as in the
    /// reference; the intervals `β ± 1.96·se` feed the coefficient stability index (CSI).
    public func coefficientStandardErrors(columns subset: [Int], alpha: Double) -> [Double] {
        let p = subset.count
        guard p > 0 else { return [] }
        let (centred, rhs) = centredSystem(columns: subset)
        let wls = Cholesky.solve(centred, rhs, size: p)
        var explained = 0.0
        for a in 0..<p { explained += wls[a] * rhs[a] }
        let sst = totalSquares - centredTargetSum * centredTargetSum / totalWeight
        let sigma2 = rows > p ? max(sst - explained, 0) / Double(rows - p) : 0

        var gram = [Double](repeating: 0, count: p * p)
        for a in 0..<p {
            for b in 0..<p { gram[a * p + b] = self.gram(subset[a], subset[b]) }
        }
        var penalised = gram
        for a in 0..<p { penalised[a * p + a] += alpha }
        // Column j of P solves (G + αI) x = e_j; P is symmetric.
        let inverse = (0..<p).map { j in
            Cholesky.solve(penalised, (0..<p).map { $0 == j ? 1.0 : 0.0 }, size: p)
        }
        return (0..<p).map { j in
            let column = inverse[j]
            var quadratic = 0.0
            for a in 0..<p {
                var row = 0.0
                for b in 0..<p { row += gram[a * p + b] * column[b] }
                quadratic += column[a] * row
            }
            return (sigma2 * max(quadratic, 0)).squareRoot()
        }
    }
}

/// A fitted weighted ridge regression: scikit-learn's `Ridge(alpha, fit_intercept=True)` with `sample_weight`.
public struct WeightedRidge: Sendable, Equatable {
    /// The coefficients, one per fitted column, in the order the columns were given.
    public var coefficients: [Double]
    /// The intercept.
    public var intercept: Double
    /// The weighted R² of the fit on its own data (1 when the targets do not vary).
    public var score: Double

    /// Creates a fit.
    public init(coefficients: [Double], intercept: Double, score: Double) {
        self.coefficients = coefficients
        self.intercept = intercept
        self.score = score
    }

    /// The prediction for a sample whose fitted columns are 1 exactly at the positions `ones`.
    public func predict(ones: some Sequence<Int>) -> Double {
        ones.reduce(intercept) { $0 + coefficients[$1] }
    }
}

/// Cholesky solves of symmetric positive (semi-)definite systems.
enum Cholesky {
    /// Solves `A x = b` for a symmetric positive semi-definite `n × n` matrix `A` (row-major).
    ///
    /// When `A` is singular, as it can be for an unpenalised fit, a diagonal jitter growing from `1e-12` of the
    /// largest diagonal entry is added until the factorisation succeeds; if it never does, the result is 0.
    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double] {
        if n == 0 { return [] }
        let scale = max((0..<n).map { abs(a[$0 * n + $0]) }.max() ?? 1, 1e-300)
        var jitter = 0.0
        for _ in 0..<8 {
            if let x = factorAndSolve(a, b, n, jitter: jitter) { return x }
            jitter = jitter == 0 ? scale * 1e-12 : jitter * 100
        }
        return [Double](repeating: 0, count: n)
    }

    private static func factorAndSolve(_ a: [Double], _ b: [Double], _ n: Int, jitter: Double) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        let factored: Bool = l.withUnsafeMutableBufferPointer { l in
            a.withUnsafeBufferPointer { a in
                for i in 0..<n {
                    for j in 0...i {
                        var sum = a[i * n + j] + (i == j ? jitter : 0)
                        for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                        if i == j {
                            guard sum > 0, sum.isFinite else { return false }
                            l[i * n + i] = sum.squareRoot()
                        } else {
                            l[i * n + j] = sum / l[j * n + j]
                        }
                    }
                }
                return true
            }
        }
        guard factored else { return nil }
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
