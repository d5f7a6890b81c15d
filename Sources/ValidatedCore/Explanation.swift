/// One feature's weight in an explanation.
public struct FeatureWeight: Sendable, Equatable, Codable {
    /// The word, as it appears in the text (case kept).
    public var feature: String
    /// Its coefficient in the local surrogate: positive pushes towards the explained label.
    public var weight: Double

    /// Creates a weight.
    public init(feature: String, weight: Double) {
        self.feature = feature
        self.weight = weight
    }
}

/// Why an explanation's sampling stopped where it did (``LimeSettings/certifyConfidence``).
public enum SamplingStop: String, Sendable, Equatable, Codable {
    /// The top features were separated from the rest (``Explanation/certified``).
    case certified
    /// More samples could not have made the top features noticeably more stable (``LimeSettings/certifySaturation``).
    case saturated
    /// The top features were not separated, but every feature of the explanation's focus (the banned tokens its
    /// text contains, for the spurious suite) stood on one side of the top-k boundary: enough for the verdict,
    /// which asks only where those features rank. A text without such features settles at the first round.
    case settled
    /// The sample ceiling (``LimeSettings/samples``) came first.
    case ceiling
}

/// A LIME explanation of one document.
public struct Explanation: Sendable, Equatable, Codable {
    /// The document explained.
    public var documentID: String
    /// The explained class index.
    public var label: Int
    /// The selected features, largest absolute weight first.
    public var weights: [FeatureWeight]
    /// The surrogate's intercept.
    public var intercept: Double
    /// The surrogate's weighted R² on the samples.
    public var score: Double
    /// The surrogate's prediction at the original text (every feature present).
    public var localPrediction: Double
    /// The classifier's probability of `label` for the original text.
    public var prediction: Double
    /// The standard error of each weight, in the order of ``weights``
    /// (``WeightedMoments/coefficientStandardErrors(columns:alpha:)``); empty when not computed. Not stored in
    /// reports: it serves the stability suite's CSI.
    public var standardErrors: [Double] = []
    /// The samples drawn, the original text included: the model calls this explanation cost. 0 in explanations
    /// stored before it was recorded.
    public var samples = 0
    /// Whether the top features were certified separated from the rest (``LimeSettings/certifyConfidence``);
    /// `false` when certification is off or the sample ceiling came first.
    public var certified = false
    /// Why sampling stopped when certification is on; `nil` when it is off (every explanation draws
    /// ``LimeSettings/samples``) and in explanations stored before it was recorded.
    public var stop: SamplingStop?

    /// Creates an explanation.
    public init(
        documentID: String,
        label: Int,
        weights: [FeatureWeight],
        intercept: Double,
        score: Double,
        localPrediction: Double,
        prediction: Double
    ) {
        self.documentID = documentID
        self.label = label
        self.weights = weights
        self.intercept = intercept
        self.score = score
        self.localPrediction = localPrediction
        self.prediction = prediction
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document"
        case label, weights, intercept, score
        case localPrediction = "local_prediction"
        case prediction
        case samples, certified, stop
    }

    /// Decodes an explanation; `samples`, `certified` and `stop` may be absent (stored before they were recorded).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            documentID: try container.decode(String.self, forKey: .documentID),
            label: try container.decode(Int.self, forKey: .label),
            weights: try container.decode([FeatureWeight].self, forKey: .weights),
            intercept: try container.decode(Double.self, forKey: .intercept),
            score: try container.decode(Double.self, forKey: .score),
            localPrediction: try container.decode(Double.self, forKey: .localPrediction),
            prediction: try container.decode(Double.self, forKey: .prediction)
        )
        samples = try container.decodeIfPresent(Int.self, forKey: .samples) ?? 0
        certified = try container.decodeIfPresent(Bool.self, forKey: .certified) ?? false
        stop = try container.decodeIfPresent(SamplingStop.self, forKey: .stop)
    }

    /// The `k` features with the largest absolute weight.
    public func top(_ k: Int) -> ArraySlice<FeatureWeight> { weights.prefix(k) }
}
