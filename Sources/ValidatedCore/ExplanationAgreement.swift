/// How alike two explanations are, by the measures of the explanation-stability literature: top-k
/// intersection (Ghorbani et al.), Jaccard, and Spearman and Kendall rank correlation of the features' absolute
/// weights over the union of both top-k sets (a feature absent from one has weight 0 there).
///
/// Features are compared case-folded; a token that is several features (`Host`, `host`) is one, with the sum of
/// their absolute weights.
public struct ExplanationAgreement: Sendable, Equatable {
    /// |T_k(a) ∩ T_k(b)| / k.
    public var topKIntersection: Double
    /// |T_k(a) ∩ T_k(b)| / |T_k(a) ∪ T_k(b)|.
    public var jaccard: Double
    /// Spearman's ρ (midranks) of the absolute weights over the union.
    public var spearman: Double
    /// Kendall's τ-b of the absolute weights over the union.
    public var kendall: Double

    /// Compares the top `k` features of `a` and `b`; with `shared`, only features in it (case-folded) count —
    /// the words both texts contain, when the texts differ.
    public init(_ a: Explanation, _ b: Explanation, k: Int, shared: Set<String>? = nil) {
        let left = Self.folded(a, k: k, shared: shared)
        let right = Self.folded(b, k: k, shared: shared)
        let union = Set(left.keys).union(right.keys).sorted()
        let common = Set(left.keys).intersection(right.keys).count
        let size = max(left.count, right.count, 1)
        topKIntersection = union.isEmpty ? 1 : Double(common) / Double(size)
        jaccard = union.isEmpty ? 1 : Double(common) / Double(union.count)
        let x = union.map { left[$0] ?? 0 }
        let y = union.map { right[$0] ?? 0 }
        spearman = Self.spearman(x, y)
        kendall = Self.kendallTauB(x, y)
    }

    private static func folded(_ explanation: Explanation, k: Int, shared: Set<String>?) -> [String: Double] {
        var weights: [String: Double] = [:]
        var kept = 0
        for feature in explanation.weights where kept < k {
            let token = feature.feature.lowercased()
            guard shared?.contains(token) ?? true else { continue }
            if weights[token] == nil { kept += 1 }
            weights[token, default: 0] += abs(feature.weight)
        }
        return weights
    }

    /// Midranks (1-based) of `values`: tied values share the mean of their ranks.
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// Spearman's ρ as Pearson's correlation of the midranks; 1 when both sides are constant (nothing to
    /// disagree on), 0 when only one is.
    static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1 else { return 1 }
        let rx = midranks(x)
        let ry = midranks(y)
        let n = Double(x.count)
        let mx = rx.reduce(0, +) / n
        let my = ry.reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in rx.indices {
            sxy += (rx[i] - mx) * (ry[i] - my)
            sxx += (rx[i] - mx) * (rx[i] - mx)
            syy += (ry[i] - my) * (ry[i] - my)
        }
        if sxx == 0 && syy == 0 { return 1 }
        if sxx == 0 || syy == 0 { return 0 }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Kendall's τ-b, `(concordant − discordant) / √((n₀ − n₁)(n₀ − n₂))`, with the same conventions for
    /// constant sides as ``spearman(_:_:)``. Quadratic: the union of two top-k sets is small.
    static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1 else { return 1 }
        var concordant = 0.0
        var discordant = 0.0
        var tiedX = 0.0
        var tiedY = 0.0
        for i in x.indices {
            for j in x.indices where j > i {
                let dx = x[i] - x[j]
                let dy = y[i] - y[j]
                if dx == 0 { tiedX += 1 }
                if dy == 0 { tiedY += 1 }
                if dx * dy > 0 { concordant += 1 } else if dx * dy < 0 { discordant += 1 }
            }
        }
        let pairs = Double(x.count * (x.count - 1) / 2)
        if tiedX == pairs && tiedY == pairs { return 1 }
        if tiedX == pairs || tiedY == pairs { return 0 }
        return (concordant - discordant) / ((pairs - tiedX) * (pairs - tiedY)).squareRoot()
    }
}
