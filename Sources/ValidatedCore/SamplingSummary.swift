/// How a suite's LIME explanations settled their sample sizes (``LimeSettings/certifyConfidence``): how many
/// were certified, how many stopped because more samples could not have helped or because the features their
/// verdict turns on were placed, and the model calls that saved
/// against drawing ``LimeSettings/samples`` for every one.
public struct SamplingSummary: Sendable, Codable, Equatable {
    /// Explanations computed.
    public var explanations = 0
    /// Explanations whose top features were separated from the rest.
    public var certified = 0
    /// Explanations stopped because more samples could not have made their top features noticeably more stable.
    public var saturated = 0
    /// Explanations stopped once the features their verdict turns on were placed (``SamplingStop/settled``).
    public var settled = 0
    /// Samples drawn over all of them, the original texts included.
    public var samples = 0
    /// Samples each explanation could have drawn (``LimeSettings/samples``).
    public var ceiling = 0

    enum CodingKeys: String, CodingKey {
        case explanations, certified, saturated, settled, samples, ceiling
        case samplesSaved = "samples_saved"
        case certifiedShare = "certified_share"
        case meanSamples = "mean_samples"
    }

    /// An empty summary of explanations that may draw up to `ceiling` samples.
    public init(ceiling: Int) {
        self.ceiling = ceiling
    }

    /// The samples, and so the model calls, not drawn against the ceiling for every explanation.
    public var samplesSaved: Int { max(explanations * ceiling - samples, 0) }
    /// The share of explanations certified.
    public var certifiedShare: Double { explanations > 0 ? Double(certified) / Double(explanations) : 0 }
    /// Samples per explanation.
    public var meanSamples: Double { explanations > 0 ? Double(samples) / Double(explanations) : 0 }

    /// Counts `explanation`.
    mutating func add(_ explanation: Explanation) {
        explanations += 1
        samples += explanation.samples
        if explanation.certified { certified += 1 }
        if explanation.stop == .saturated { saturated += 1 }
        if explanation.stop == .settled { settled += 1 }
    }

    static func + (lhs: Self, rhs: Self) -> Self {
        var sum = lhs
        sum.explanations += rhs.explanations
        sum.certified += rhs.certified
        sum.saturated += rhs.saturated
        sum.settled += rhs.settled
        sum.samples += rhs.samples
        sum.ceiling = max(lhs.ceiling, rhs.ceiling)
        return sum
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        explanations = try container.decode(Int.self, forKey: .explanations)
        certified = try container.decode(Int.self, forKey: .certified)
        saturated = try container.decodeIfPresent(Int.self, forKey: .saturated) ?? 0
        settled = try container.decodeIfPresent(Int.self, forKey: .settled) ?? 0
        samples = try container.decode(Int.self, forKey: .samples)
        ceiling = try container.decode(Int.self, forKey: .ceiling)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(explanations, forKey: .explanations)
        try container.encode(certified, forKey: .certified)
        try container.encode(saturated, forKey: .saturated)
        try container.encode(settled, forKey: .settled)
        try container.encode(samples, forKey: .samples)
        try container.encode(ceiling, forKey: .ceiling)
        try container.encode(samplesSaved, forKey: .samplesSaved)
        try container.encode(certifiedShare, forKey: .certifiedShare)
        try container.encode(meanSamples, forKey: .meanSamples)
    }
}
