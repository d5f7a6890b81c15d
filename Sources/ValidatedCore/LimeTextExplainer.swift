import Foundation

/// How LIME chooses the features of an explanation (the reference package's `feature_selection`).
public enum FeatureSelection: String, Sendable, Equatable, Codable {
    /// `forward_selection` when at most 6 features are asked for, otherwise `highest_weights`.
    case auto
    /// Greedily add the feature that most improves the weighted R² of an unpenalised fit.
    case forwardSelection = "forward_selection"
    /// Fit a ridge (alpha 0.01) on all features and keep the largest absolute coefficients.
    case highestWeights = "highest_weights"
    /// Keep every feature.
    case none
}

/// LIME settings; the defaults are the reference `lime` package's for text.
public struct LimeSettings: Sendable, Equatable {
    /// Perturbed samples per explanation, the original text included. Default 5000.
    public var samples: Int
    /// Width of the exponential kernel over cosine distance × 100. Default 25.
    public var kernelWidth: Double
    /// Features kept in an explanation. Default 10.
    public var features: Int
    /// Feature selection. Default ``FeatureSelection/auto``.
    public var featureSelection: FeatureSelection
    /// Texts per classifier call; `nil` scores all samples in one call. Default `nil`.
    public var batchSize: Int?

    /// Creates settings.
    public init(
        samples: Int = 5000, kernelWidth: Double = 25, features: Int = 10, featureSelection: FeatureSelection = .auto,
        batchSize: Int? = nil
    ) {
        self.samples = samples
        self.kernelWidth = kernelWidth
        self.features = features
        self.featureSelection = featureSelection
        self.batchSize = batchSize
    }
}

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
    /// The surrogate's prediction at the original text.
    public var localPrediction: Double
    /// The classifier's probability of `label` for the original text.
    public var prediction: Double

    enum CodingKeys: String, CodingKey {
        case documentID = "document", label, weights, intercept, score
        case localPrediction = "local_prediction", prediction
    }

    /// The `k` features with the largest absolute weight.
    public func top(_ k: Int) -> ArraySlice<FeatureWeight> { weights.prefix(k) }
}

/// An explanation that could not be computed.
public struct ExplanationError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String
}

/// LIME for text with bag-of-words masking, as `lime.lime_text.LimeTextExplainer` (0.2.0.1) does it.
///
/// Sample 0 is the original text; each other sample removes `s ~ U{1..D}` distinct words (every occurrence),
/// chosen uniformly. Samples are weighted by `sqrt(exp(-d²/width²))` of the cosine distance × 100 to the
/// original, `d = 100(1 − √(k/D))` for `k` kept of `D` words, and a weighted ridge (alpha 1) on the selected
/// features is the explanation. The random stream comes from the caller's seed only.
public struct LimeTextExplainer: Sendable {
    /// The settings.
    public let settings: LimeSettings

    /// Creates an explainer.
    public init(settings: LimeSettings = LimeSettings()) {
        self.settings = settings
    }

    /// The distance between a sample keeping `kept` of `total` words and the original: cosine distance × 100.
    public static func distance(kept: Int, total: Int) -> Double {
        kept == 0 ? 100 : 100 * (1 - (Double(kept) / Double(total)).squareRoot())
    }

    /// LIME's default kernel, `sqrt(exp(-d²/width²))`.
    public static func kernel(distance: Double, width: Double) -> Double {
        (Foundation.exp(-distance * distance / (width * width))).squareRoot()
    }

    /// Explains the classifier's probability of class `label` for `text`.
    ///
    /// - Throws: ``ExplanationError`` when the text has no words, or what the classifier throws.
    public func explain(
        _ text: String, documentID: String, label: Int, classifier: any TextClassifier, seed: UInt64
    ) throws -> Explanation {
        let indexed = IndexedText(text)
        let d = indexed.words.count
        guard d > 0 else { throw ExplanationError(description: "document \(documentID) has no words to explain") }
        let n = max(settings.samples, 2)
        var generator = SeededGenerator(seed: seed)

        var active: [[Int]] = [Array(0..<d)]
        active.reserveCapacity(n)
        var texts = [text]
        texts.reserveCapacity(n)
        var permutation = Array(0..<d)
        var keep = [Bool](repeating: true, count: d)
        for _ in 1..<n {
            let removed = Int.random(in: 1...d, using: &generator)
            for i in 0..<removed {
                let j = Int.random(in: i..<d, using: &generator)
                permutation.swapAt(i, j)
            }
            for i in 0..<d { keep[i] = true }
            for i in 0..<removed { keep[permutation[i]] = false }
            active.append((0..<d).filter { keep[$0] })
            texts.append(indexed.removing(keep: keep))
        }

        var targets: [Double] = []
        targets.reserveCapacity(n)
        let batch = max(settings.batchSize ?? n, 1)
        for start in stride(from: 0, to: n, by: batch) {
            let probabilities = try classifier.predictProbabilities(Array(texts[start..<min(start + batch, n)]))
            guard label < probabilities.columns else {
                throw ExplanationError(description: "label \(label) is not one of the classifier's \(probabilities.columns) classes")
            }
            targets.append(contentsOf: probabilities.column(label))
        }
        texts = []

        let weights = active.map {
            Self.kernel(distance: Self.distance(kept: $0.count, total: d), width: settings.kernelWidth)
        }
        let selected = selectFeatures(active: active, columns: d, targets: targets, weights: weights)
        var position = [Int](repeating: -1, count: d)
        for (i, feature) in selected.enumerated() { position[feature] = i }
        let projected = active.map { $0.compactMap { position[$0] >= 0 ? position[$0] : nil } }
        let surrogate = WeightedRidge(
            activeColumns: projected, columns: selected.count, targets: targets, weights: weights, alpha: 1
        )
        let featureWeights = zip(selected, surrogate.coefficients)
            .map { FeatureWeight(feature: indexed.words[$0.0], weight: $0.1) }
            .sorted { abs($0.weight) > abs($1.weight) }
        return Explanation(
            documentID: documentID, label: label, weights: featureWeights, intercept: surrogate.intercept,
            score: surrogate.score, localPrediction: surrogate.predict(active: Array(0..<selected.count)),
            prediction: targets[0]
        )
    }

    private func selectFeatures(active: [[Int]], columns d: Int, targets: [Double], weights: [Double]) -> [Int] {
        let wanted = min(settings.features, d)
        var method = settings.featureSelection
        if method == .auto { method = settings.features <= 6 ? .forwardSelection : .highestWeights }
        switch method {
        case .none, .auto:
            return Array(0..<d)
        case .highestWeights:
            let fit = WeightedRidge(activeColumns: active, columns: d, targets: targets, weights: weights, alpha: 0.01)
            return (0..<d).sorted { abs(fit.coefficients[$0]) > abs(fit.coefficients[$1]) }.prefix(wanted).map { $0 }
        case .forwardSelection:
            var used: [Int] = []
            for _ in 0..<wanted {
                var best = (feature: -1, score: -1e8)
                for candidate in 0..<d where !used.contains(candidate) {
                    let columns = used + [candidate]
                    var position = [Int](repeating: -1, count: d)
                    for (i, feature) in columns.enumerated() { position[feature] = i }
                    let projected = active.map { $0.compactMap { position[$0] >= 0 ? position[$0] : nil } }
                    let fit = WeightedRidge(
                        activeColumns: projected, columns: columns.count, targets: targets, weights: weights, alpha: 0
                    )
                    if fit.score > best.score { best = (candidate, fit.score) }
                }
                used.append(best.feature)
            }
            return used
        }
    }
}
