/// The importance of each token over a set of explanations, as SP-LIME aggregates it, and the explanations
/// SP-LIME would pick to show it.
///
/// Following `lime.submodular_pick`: the explanation matrix `W[i, j]` holds explanation `i`'s weight of feature
/// `j` (here the token case-folded, the |weights| of `Host` and `host` added), and token `j`'s global importance
/// is `I_j = √(Σ_i |W_ij|)`. Every selected feature of an explanation counts, not only its top k.
public struct GlobalImportance: Sendable, Equatable {
    /// The tokens, most important first (ties in token order).
    public let ranked: [String]
    /// `I_j` per token.
    public let importance: [String: Double]
    /// `Σ_j I_j`, the denominator of ``share(of:)``.
    public let total: Double
    /// Per explanation, the ranks (0-based indices into ``ranked``) of the tokens it gives a nonzero weight,
    /// ascending, so sums over them do not depend on hashing order.
    let covered: [[Int]]

    /// Aggregates `explanations`.
    public init(_ explanations: [Explanation]) {
        var sums: [String: Double] = [:]
        var tokensOf: [Set<String>] = []
        for explanation in explanations {
            var tokens: Set<String> = []
            for feature in explanation.weights where feature.weight != 0 {
                let token = feature.feature.lowercased()
                sums[token, default: 0] += abs(feature.weight)
                tokens.insert(token)
            }
            tokensOf.append(tokens)
        }
        let importance = sums.mapValues { $0.squareRoot() }
        let ranked = importance.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
        let rankOf = Dictionary(uniqueKeysWithValues: ranked.enumerated().map { ($1, $0) })
        self.importance = importance
        self.ranked = ranked
        total = ranked.reduce(0) { $0 + importance[$1]! }
        covered = tokensOf.map { $0.map { rankOf[$0]! }.sorted() }
    }

    /// The token's 1-based rank, or `nil` when no explanation weighs it.
    public func rank(of token: String) -> Int? {
        ranked.firstIndex(of: token).map { $0 + 1 }
    }

    /// The token's share of the summed importance of all tokens (0 when absent).
    public func share(of token: String) -> Double {
        total > 0 ? (importance[token] ?? 0) / total : 0
    }

    /// SP-LIME's greedy pick: up to `count` explanations (indices into the aggregated ones, in pick order) that
    /// together cover the most importance, `c(V) = Σ_j 1[some i ∈ V weighs j] · I_j`. Each step takes the
    /// explanation adding the most coverage; ties go to the earlier explanation (the reference takes whichever
    /// its set iteration meets last). Stops early when nothing more is covered.
    ///
    /// - Returns: Each picked explanation with the share of all importance covered once it is added.
    public func pick(_ count: Int) -> [(explanation: Int, coverage: Double)] {
        let byRank = ranked.map { importance[$0]! }
        var picked: [(explanation: Int, coverage: Double)] = []
        var seen = [Bool](repeating: false, count: ranked.count)
        var isPicked = [Bool](repeating: false, count: covered.count)
        var coverage = 0.0
        for _ in 0..<min(max(count, 0), covered.count) {
            var best = (explanation: -1, gain: 0.0)
            for (index, ranks) in covered.enumerated() where !isPicked[index] {
                let gain = ranks.reduce(0) { seen[$1] ? $0 : $0 + byRank[$1] }
                if gain > best.gain { best = (index, gain) }
            }
            guard best.explanation >= 0 else { break }
            isPicked[best.explanation] = true
            for rank in covered[best.explanation] { seen[rank] = true }
            coverage += best.gain
            picked.append((best.explanation, total > 0 ? min(1, coverage / total) : 0))
        }
        return picked
    }

    /// The challenger's "new reasons": tokens in its top `top` that are not in the champion's top `top` and
    /// whose share of importance is at least `ratio` times the champion's (a token the champion's explanations
    /// never weigh always qualifies).
    ///
    /// - Returns: The new tokens in the challenger's rank order.
    public func newReasons(against champion: GlobalImportance, top: Int, ratio: Double) -> [SpuriousReport.NewReason] {
        ranked.prefix(top).enumerated().compactMap { offset, token in
            let championRank = champion.rank(of: token)
            if let championRank, championRank <= top { return nil }
            let share = share(of: token)
            let championShare = champion.share(of: token)
            guard championRank == nil || share >= ratio * championShare else { return nil }
            return SpuriousReport.NewReason(
                token: token,
                rank: offset + 1,
                share: share,
                championRank: championRank,
                championShare: championShare
            )
        }
    }
}
