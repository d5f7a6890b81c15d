/// Settings of the spurious-feature suite.
public struct SpuriousSettings: Sendable, Equatable {
    /// Documents explained, an even spread over the evaluation set (the same for every model). Default 40.
    public var documents = 40
    /// Features of an explanation examined. Default 10.
    public var topK = 10
    /// A top-k feature counts only if its absolute weight is at least this fraction of the explanation's
    /// largest: LIME gives words the model ignores a weight near 0, and a short text puts every word in the
    /// top 10. Default 0.05.
    public var minWeightFraction = 0.05
    /// Warn when a banned token is a top-k feature of more than this share of explanations. Default 0.02.
    public var warnHitRate = 0.02
    /// Fail when a banned token is a top-k feature of more than this share of explanations. Default 0.10.
    public var maxHitRate = 0.10
    /// Fail when a banned token carries more than this share of all top-k attribution mass. Default 0.05.
    public var maxMassShare = 0.05

    /// Creates the default settings.
    public init() {}
}

/// Settings of the interpretation-stability suite.
public struct StabilitySettings: Sendable, Equatable {
    /// Documents re-explained under other seeds (the first of the spurious suite's). Default 8.
    public var documents = 8
    /// Seeds per document, including the spurious suite's. Default 3.
    public var seeds = 3
    /// Warn below this mean pairwise top-k Jaccard index. Default 0.7.
    public var warnJaccard = 0.7
    /// Fail below this mean pairwise top-k Jaccard index. Default 0.5.
    public var minJaccard = 0.5

    /// Creates the default settings.
    public init() {}
}

/// Settings of the AUC suite.
public struct AUCSettings: Sendable, Equatable {
    /// How a challenger is compared with the champion.
    public enum Comparison: String, Sendable, Equatable, CaseIterable {
        /// Fail when the challenger is significantly worse (one-sided paired DeLong test).
        case worse
        /// Fail unless the challenger is shown to be worse by less than ``AUCSettings/margin``.
        case nonInferiority = "non-inferiority"
    }

    /// A model with a lower AUC fails. Default 0.70.
    public var floor = 0.70
    /// Significance level of the one-sided paired DeLong test. Default 0.05.
    public var alpha = 0.05
    /// The comparison with the champion. Default ``Comparison/worse``.
    public var comparison = Comparison.worse
    /// The non-inferiority margin in AUC. Default 0.01.
    public var margin = 0.01
    /// The power at which the smallest detectable difference is reported. Default 0.8.
    public var power = 0.8
    /// The difference the report says how many documents would be needed to detect. Default 0.01.
    public var targetDelta = 0.01

    /// Creates the default settings.
    public init() {}
}

/// Everything that decides a verdict, besides the data.
public struct ValidationSettings: Sendable, Equatable {
    /// LIME.
    public var lime = LimeSettings()
    /// The spurious-feature suite.
    public var spurious = SpuriousSettings()
    /// The stability suite.
    public var stability = StabilitySettings()
    /// The AUC suite.
    public var auc = AUCSettings()

    /// Creates the default settings.
    public init() {}
}
