/// What the AUC suite found.
public struct AUCReport: Sendable, Codable, Equatable, CostedReport {
    /// One class's one-vs-rest AUC, for evaluation sets with more than two labels.
    public struct ClassAUC: Sendable, Codable, Equatable {
        /// The class label.
        public var label: String
        /// The challenger's one-vs-rest AUC.
        public var auc: Double
        /// Its 95% DeLong confidence interval.
        public var aucCI: [Double]
        /// The champion's one-vs-rest AUC.
        public var championAUC: Double?
        /// `auc − championAUC`.
        public var delta: Double?
        /// One-sided paired DeLong p-value against "the challenger is worse" for this class.
        public var pValue: Double?
        /// Two-sided p-value of the same test.
        public var pValueTwoSided: Double?
        /// The 95% confidence interval of `delta`.
        public var deltaCI: [Double]?
        /// Documents of this class.
        public var nPos: Int
        /// Documents of the other classes.
        public var nNeg: Int

        enum CodingKeys: String, CodingKey {
            case label, auc, delta
            case aucCI = "auc_ci"
            case championAUC = "champion_auc"
            case pValue = "p_value"
            case pValueTwoSided = "p_value_two_sided"
            case deltaCI = "delta_ci"
            case nPos = "n_pos"
            case nNeg = "n_neg"
        }
    }

    /// The suite's verdict.
    public var verdict: Verdict
    /// One line for people.
    public var summary: String
    /// The challenger's AUC.
    public var auc: Double
    /// Its 95% DeLong confidence interval.
    public var aucCI: [Double]
    /// The champion's AUC, when there is a champion.
    public var championAUC: Double?
    /// `auc − championAUC`.
    public var delta: Double?
    /// One-sided p-value of the paired DeLong test against "the challenger is worse".
    public var pValue: Double?
    /// Two-sided p-value of the same test.
    public var pValueTwoSided: Double?
    /// The test statistic.
    public var z: Double?
    /// The 95% confidence interval of `delta`.
    public var deltaCI: [Double]?
    /// The comparison used, stored as `worse` or `non-inferiority`.
    public var comparison: AUCSettings.Comparison?
    /// The non-inferiority margin, in non-inferiority mode.
    public var margin: Double?
    /// One-sided p-value against "worse by the margin or more", in non-inferiority mode.
    public var pValueNonInferiority: Double?
    /// The smallest difference from the champion this evaluation set detects at `alpha` with the configured power.
    public var minDetectableDelta: Double?
    /// Documents needed (same class balance) to detect the configured target difference.
    public var docsNeeded: Int?
    /// One-vs-rest results per class, for evaluation sets with more than two labels; `auc` is then their
    /// macro average.
    public var perClass: [ClassAUC]?
    /// Positive documents.
    public var nPos: Int
    /// Negative documents.
    public var nNeg: Int
    /// The floor applied.
    public var floor: Double
    /// Why a champion that was loaded could not be scored; the challenger is then judged on the floor alone,
    /// as when the champion cannot be loaded.
    public var championError: String?
    /// Wall-clock seconds of the suite's phases: scoring the evaluation set, and the tests (absent in reports
    /// stored before it was measured).
    public var seconds: Double?
    /// Texts the suite's phases had the models score: each a model call (absent in older reports).
    public var modelCalls: Int?
    /// Texts the suite's phases found already scored in the run (``ValidationReport/cachedCalls``).
    public var cachedCalls: Int?
    /// How the suite's LIME explanations settled their sample sizes; absent when it explained nothing, and in
    /// reports stored before it was measured.
    public var sampling: SamplingSummary?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, auc, delta, z, floor, seconds
        case modelCalls = "model_calls"
        case cachedCalls = "cached_calls"
        case sampling
        case championError = "champion_error"
        case aucCI = "auc_ci"
        case championAUC = "champion_auc"
        case pValue = "p_value"
        case pValueTwoSided = "p_value_two_sided"
        case deltaCI = "delta_ci"
        case comparison, margin
        case pValueNonInferiority = "p_value_non_inferiority"
        case minDetectableDelta = "min_detectable_delta"
        case docsNeeded = "docs_needed"
        case perClass = "per_class"
        case nPos = "n_pos"
        case nNeg = "n_neg"
    }
}

extension AUCReport {
    /// `Δ +0.046 [0.037, 0.056], better (p < 0.001)`: the difference from the champion with its 95% interval,
    /// its direction when that interval excludes 0 (two-sided p below 0.05), and the two-sided p-value; `nil`
    /// without a champion.
    public var championDifference: String? {
        difference(delta: delta, interval: deltaCI, pTwoSided: pValueTwoSided)
    }
}

extension AUCReport.ClassAUC {
    /// ``AUCReport/championDifference`` for this class.
    public var championDifference: String? {
        difference(delta: delta, interval: deltaCI, pTwoSided: pValueTwoSided)
    }
}

private func difference(delta: Double?, interval: [Double]?, pTwoSided: Double?) -> String? {
    guard let delta else { return nil }
    var out = "Δ \(signed(delta, 3))"
    if let interval, interval.count == 2 { out += " " + AUCCheck.bracket(interval[0]...interval[1]) }
    guard let pTwoSided else { return out }
    let direction = pTwoSided < 0.05 ? (delta > 0 ? "better" : "worse") : "no significant difference"
    return out + ", \(direction) (\(AUCCheck.pText(pTwoSided)))"
}
