/// A binary design matrix stored row by row as bit masks: bit `c % 64` of word `c / 64` of a row is set when
/// column `c` is 1.
///
/// This is the shape of LIME's neighbourhood: row 0 is the original text (every word present) and each other
/// row removes a few words. The masks let ``WeightedMoments`` count co-occurrences by popcount and a masked
/// scorer read a sample's kept words where they are; a row's 0 columns are the clear bits of its mask
/// (``zeroColumns(ofRow:)``), so nothing else is stored but each row's count of ones.
public struct BinaryDesign: Sendable, Equatable {
    /// The number of columns.
    public let columns: Int
    /// The 64-bit words of one row's mask.
    let wordsPerRow: Int
    /// Row `r`'s mask is `masks[r * wordsPerRow..<(r + 1) * wordsPerRow]`.
    private(set) var masks: [UInt64] = []
    /// Row `r` has `onesCounts[r]` columns that are 1.
    private var onesCounts: [Int32] = []
    /// The mask of a row of ones.
    let full: [UInt64]

    /// Creates a design with `columns` columns and no rows.
    public init(columns: Int) {
        precondition(columns >= 0 && columns <= Int(Int32.max), "BinaryDesign needs 0...Int32.max columns")
        self.columns = columns
        wordsPerRow = (columns + 63) / 64
        full = (0..<wordsPerRow).map { word in
            let bits = min(columns - word * 64, 64)
            return bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        }
    }

    /// The number of rows.
    public var rows: Int { onesCounts.count }

    /// Appends a row that is 0 in `zeroColumns` (each in `0..<columns`) and 1 elsewhere.
    public mutating func append(zeroColumns: some Sequence<Int>) {
        masks.append(contentsOf: full)
        let base = masks.count - wordsPerRow
        for column in zeroColumns {
            precondition(column >= 0 && column < columns, "column \(column) is outside 0..<\(columns)")
            masks[base + column >> 6] &= ~(1 << UInt64(column & 63))
        }
        onesCounts.append(Int32(masks[base...].reduce(0) { $0 + $1.nonzeroBitCount }))
    }

    /// ``append(zeroColumns:)`` for `zeroColumns` the caller guarantees distinct and in range: the sampling
    /// loop's path.
    mutating func appendTrusted(zeroColumns: UnsafeBufferPointer<Int32>) {
        masks.append(contentsOf: full)
        let base = masks.count &- wordsPerRow
        masks.withUnsafeMutableBufferPointer { masks in
            for column in zeroColumns { masks[base &+ Int(column >> 6)] &= ~(1 &<< UInt64(column & 63)) }
        }
        onesCounts.append(Int32(truncatingIfNeeded: columns &- zeroColumns.count))
    }

    /// ``appendTrusted(zeroColumns:)`` for a design of at most 64 columns, the row's `count` zero columns given
    /// as the bits `cleared`: the sampling loop gathers them in a register as it draws the columns.
    mutating func appendTrusted(cleared: UInt64, count: Int) {
        precondition(wordsPerRow == 1, "appendTrusted(cleared:count:) is for 1 to 64 columns")
        masks.append(full[0] & ~cleared)
        onesCounts.append(Int32(truncatingIfNeeded: columns &- count))
    }

    /// Appends a row that is 1 in `oneColumns` (each in `0..<columns`) and 0 elsewhere.
    public mutating func append(oneColumns: some Sequence<Int>) {
        var isOne = [Bool](repeating: false, count: columns)
        for column in oneColumns { isOne[column] = true }
        append(zeroColumns: (0..<columns).filter { !isOne[$0] })
    }

    /// Reserves room for `rows` rows.
    public mutating func reserveCapacity(rows: Int) {
        masks.reserveCapacity(rows * wordsPerRow)
        onesCounts.reserveCapacity(rows)
    }

    /// The columns that are 0 in row `row`, in increasing order.
    public func zeroColumns(ofRow row: Int) -> ZeroColumns {
        ZeroColumns(masks[(row * wordsPerRow)..<((row + 1) * wordsPerRow)], columns: columns)
    }

    /// The number of columns that are 1 in row `row`.
    public func onesCount(ofRow row: Int) -> Int {
        Int(onesCounts[row])
    }
}

extension BinaryDesign {
    /// The 0 columns of one row, in increasing order: the clear bits of its mask below the column count.
    public struct ZeroColumns: Sequence, IteratorProtocol, Sendable {
        private let words: ArraySlice<UInt64>
        private let columns: Int
        /// The word whose clear bits are being listed, and those not listed yet.
        private var word: Int
        private var clear: UInt64 = 0

        init(_ words: ArraySlice<UInt64>, columns: Int) {
            self.words = words
            self.columns = columns
            word = words.startIndex - 1
        }

        /// The next 0 column, or `nil` after the last.
        public mutating func next() -> Int32? {
            while clear == 0 {
                word += 1
                guard word < words.endIndex else { return nil }
                let first = (word - words.startIndex) * 64
                let valid: UInt64 = columns - first >= 64 ? ~0 : (1 << UInt64(columns - first)) - 1
                clear = ~words[word] & valid
            }
            let column = (word - words.startIndex) * 64 + clear.trailingZeroBitCount
            clear &= clear - 1
            return Int32(column)
        }
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
/// `G` is built by ``WeightGroups``: rows of equal weight (in LIME, the rows keeping equally many words) are
/// grouped, each group's columns become bitsets over its rows, and `G[i, j]` is the sum over groups of the
/// weight times the popcount of columns `i` and `j` ANDed: `O(D²·(n/64 + g))` word operations for `n` rows,
/// `D` columns and `g` groups, instead of `O(n·D²)` multiply-adds. `s` is `G`'s diagonal. `XᵀWy` costs
/// `O(Σ min(k, D − k))` over rows with `k` ones: a row with more ones than zeros is added through its zeros,
/// `Σ wy·(1 − z) = T − u` with `T` and `u` the total and per-column zero sums of such rows. A fit on `p`
/// columns costs `O(p³)`.
public struct WeightedMoments: Sendable {
    /// The number of columns.
    public let columns: Int
    /// The number of rows accumulated.
    public private(set) var rows = 0
    /// `Σw`.
    private var totalWeight = 0.0
    /// The targets are summed as `y − shift`, `shift` being the first row's target, so the sums stay small
    /// where the targets vary little and centring them at fit time loses no precision.
    private var shift = 0.0
    /// `Σw (y − shift)`.
    private var targetSum = 0.0
    /// `Σw (y − shift)²`.
    private var targetSquares = 0.0
    /// `s = XᵀW1`.
    private var columnWeights: [Double]
    /// `XᵀW(y − shift)`.
    private var columnTargets: [Double]
    /// `G = XᵀWX`, `columns × columns`, row-major.
    private var gramMatrix: [Double]

    /// No rows yet, for a design of `columns` columns: ``append(_:rows:targets:weights:)`` adds them.
    public init(columns: Int) {
        self.columns = columns
        columnWeights = [Double](repeating: 0, count: columns)
        columnTargets = [Double](repeating: 0, count: columns)
        gramMatrix = [Double](repeating: 0, count: columns * columns)
    }

    /// Accumulates the sums of `design` with one target and one non-negative weight per row.
    ///
    /// - Precondition: `targets.count == weights.count == design.rows`, and the weights sum to more than 0.
    public init(design: BinaryDesign, targets: [Double], weights: [Double]) {
        self.init(columns: design.columns)
        append(design, rows: 0..<design.rows, targets: targets, weights: weights)
    }

    /// Adds the rows `range` of `design`, which must be the rows after those already summed: the sums are
    /// raw (not centred), so adding rows costs only what they add, and a fit centres them. The result equals a
    /// from-scratch accumulation up to rounding (about 1e-12 relative).
    ///
    /// - Precondition: `range.lowerBound == rows`, `targets` and `weights` have one value per row of `design`
    ///   (at least through `range`), and the total weight is positive afterwards.
    public mutating func append(_ design: BinaryDesign, rows range: Range<Int>, targets: [Double], weights: [Double]) {
        let d = design.columns
        precondition(d == columns && range.lowerBound == rows, "WeightedMoments appends the rows after its own")
        precondition(
            targets.count >= range.upperBound && weights.count >= range.upperBound,
            "WeightedMoments needs one target and one weight per row"
        )
        guard !range.isEmpty else { return }
        if rows == 0 { shift = targets[range.lowerBound] }
        var weightedTargets = [Double](repeating: 0, count: range.count)
        for row in range {
            let w = weights[row]
            let y = targets[row] - shift
            totalWeight += w
            targetSum += w * y
            targetSquares += w * y * y
            weightedTargets[row - range.lowerBound] = w * y
        }
        precondition(totalWeight > 0, "WeightedMoments needs a positive total weight")
        let gram = WeightGroups(design: design, weights: weights, rows: range).gram()
        for index in gram.indices { gramMatrix[index] += gram[index] }
        for c in 0..<d { columnWeights[c] = gramMatrix[c * d + c] }
        let sums = Self.columnSums(design, rows: range, weightedTargets)
        for c in 0..<d { columnTargets[c] += sums[c] }
        rows = range.upperBound
    }

    /// `Xᵀv` over the rows `range`, `v` holding one value per row of the range, each row added through the
    /// smaller of its ones and its zeros (the set or the clear bits of its mask).
    private static func columnSums(_ design: BinaryDesign, rows range: Range<Int>, _ v: [Double]) -> [Double] {
        let d = design.columns
        let words = design.wordsPerRow
        // The sums over rows added through their ones, then (from `d` on) through their zeros.
        var sums = [Double](repeating: 0, count: 2 * d)
        var complement = 0.0
        sums.withUnsafeMutableBufferPointer { sums in
            design.masks.withUnsafeBufferPointer { masks in
                design.full.withUnsafeBufferPointer { full in
                    for row in range {
                        let value = v[row - range.lowerBound]
                        let viaZeros = d - design.onesCount(ofRow: row) <= design.onesCount(ofRow: row)
                        if viaZeros { complement += value }
                        let flip: UInt64 = viaZeros ? ~0 : 0
                        let offset = viaZeros ? d : 0
                        for word in 0..<words {
                            var bits = (masks[row &* words &+ word] ^ flip) & full[word]
                            while bits != 0 {
                                sums[offset &+ word &<< 6 &+ bits.trailingZeroBitCount] += value
                                bits &= bits &- 1
                            }
                        }
                    }
                }
            }
        }
        return (0..<d).map { sums[$0] + complement - sums[d + $0] }
    }

    /// `SST = Σw ỹ² = Σw (y − shift)² − (Σw (y − shift))²/Σw`.
    private var totalSquares: Double { max(targetSquares - targetSum * targetSum / totalWeight, 0) }

    /// `G[i, j] = Σw xᵢ xⱼ`.
    private func gram(_ i: Int, _ j: Int) -> Double {
        gramMatrix[i * columns + j]
    }

    /// The weighted-centred normal equations on the columns `subset`: `C = X̃ᵀWX̃` (`p × p`, row-major) and
    /// `r = X̃ᵀWỹ`. They are also the Gram matrix and correlations of the data LIME's `lasso_path` builds,
    /// `(X − x̄)·√w` and `(y − ȳ)·√w`.
    public func centredSystem(columns subset: [Int]) -> (matrix: [Double], rhs: [Double]) {
        let p = subset.count
        let w = totalWeight
        let centredMean = targetSum / w
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
        let (matrix, rhs) = centredSystem(columns: subset)
        var penalised = matrix
        for a in 0..<p { penalised[a * p + a] += alpha }
        let beta = Cholesky.solve(penalised, rhs, size: p)

        var intercept = shift + targetSum / w
        var explained = 0.0
        var curvature = 0.0
        for a in 0..<p {
            intercept -= beta[a] * columnWeights[subset[a]] / w
            explained += beta[a] * rhs[a]
            var row = 0.0
            for b in 0..<p { row += matrix[a * p + b] * beta[b] }
            curvature += beta[a] * row
        }
        let sst = totalSquares
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
        let sst = totalSquares
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
