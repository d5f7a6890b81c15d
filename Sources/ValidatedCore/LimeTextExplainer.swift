import Foundation

/// How LIME chooses the features of an explanation (the reference package's `feature_selection`).
///
/// `lasso_path` is not implemented yet; it would be one more case here.
public enum FeatureSelection: String, Sendable, Equatable, Codable, CaseIterable {
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
    /// Perturbed samples per explanation, the original text included; at least 2. Default 5000.
    public var samples: Int
    /// Width of the exponential kernel over cosine distance × 100; positive. Default 25.
    public var kernelWidth: Double
    /// Features kept in an explanation; at least 1. Default 10.
    public var features: Int
    /// Feature selection. Default ``FeatureSelection/auto``.
    public var featureSelection: FeatureSelection
    /// Texts per classifier call; `nil` scores all samples in one call, as the reference does. Default `nil`.
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

    /// What is wrong with these settings, or `nil` when they can be used.
    var problem: String? {
        if samples < 2 { return "LIME needs at least 2 samples (the text and one perturbation), not \(samples)" }
        if !(kernelWidth > 0) || !kernelWidth.isFinite { return "the LIME kernel width must be a positive number, not \(kernelWidth)" }
        if features < 1 { return "LIME needs at least 1 feature per explanation, not \(features)" }
        if let batchSize, batchSize < 1 { return "the LIME batch size must be at least 1, not \(batchSize)" }
        return nil
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
    /// The surrogate's prediction at the original text (every feature present).
    public var localPrediction: Double
    /// The classifier's probability of `label` for the original text.
    public var prediction: Double

    /// Creates an explanation.
    public init(
        documentID: String, label: Int, weights: [FeatureWeight], intercept: Double, score: Double,
        localPrediction: Double, prediction: Double
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
        case documentID = "document", label, weights, intercept, score
        case localPrediction = "local_prediction", prediction
    }

    /// The `k` features with the largest absolute weight.
    public func top(_ k: Int) -> ArraySlice<FeatureWeight> { weights.prefix(k) }
}

/// An explanation that could not be computed.
public struct ExplanationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong and, where it helps, what to do.
    public var description: String

    /// Creates an error.
    public init(description: String) {
        self.description = description
    }

    static func noWords(_ documentID: String) -> Self {
        Self(description: "document \(documentID) has no words to explain (LIME perturbs words: runs of letters, digits and '_')")
    }

    static func invalidSettings(_ documentID: String, _ problem: String) -> Self {
        Self(description: "document \(documentID) cannot be explained: \(problem)")
    }

    static func labelOutOfRange(_ documentID: String, label: Int, columns: Int) -> Self {
        Self(description: "document \(documentID) cannot be explained for class index \(label): the model returns \(columns) classes")
    }

    static func wrongRowCount(_ documentID: String, texts: Int, rows: Int) -> Self {
        Self(description: "document \(documentID) cannot be explained: the model returned \(rows) rows of probabilities for \(texts) texts")
    }

    static func notFinite(_ documentID: String, _ value: Double) -> Self {
        Self(description: "document \(documentID) cannot be explained: the model returned the probability \(value) for a perturbed text")
    }
}

/// LIME for text with bag-of-words masking, as `lime.lime_text.LimeTextExplainer` (0.2.0.1) does it.
///
/// Sample 0 is the original text; each other sample removes `s ~ U{1..D}` distinct words of the `D` distinct
/// words (every occurrence of each), chosen uniformly. Samples are weighted by the kernel
/// `sqrt(exp(−d²/width²))` of their cosine distance × 100 to the original, `d = 100(1 − √(k/D))` for `k` kept
/// words. Features are selected (``FeatureSelection``), and a weighted ridge (alpha 1, unpenalised intercept)
/// on them is the explanation. The random stream comes from the caller's seed only, so an explanation is
/// reproducible; see ``ExplanationSeed``. The stream is not NumPy's, so results match the Python package in
/// distribution, not bit for bit.
///
/// Cost: one classifier call on `samples` texts (or several of ``LimeSettings/batchSize``), `O(samples·D²)`
/// to accumulate the regression's sums and `O(D³)` for `highest_weights`.
public struct LimeTextExplainer: Sendable {
    /// The settings.
    public let settings: LimeSettings

    /// Creates an explainer.
    public init(settings: LimeSettings = LimeSettings()) {
        self.settings = settings
    }

    /// The cosine distance × 100 between a sample keeping `kept` of `total` words and the original:
    /// `100(1 − √(kept/total))`, and 100 when nothing is kept.
    public static func distance(kept: Int, total: Int) -> Double {
        kept == 0 ? 100 : 100 * (1 - (Double(kept) / Double(total)).squareRoot())
    }

    /// LIME's default kernel, `sqrt(exp(−d²/width²))`.
    public static func kernel(distance: Double, width: Double) -> Double {
        Foundation.exp(-distance * distance / (width * width)).squareRoot()
    }

    /// Explains the classifier's probability of class `label` for `text`.
    ///
    /// - Throws: ``ExplanationError`` when the text has no words, the settings are unusable or the classifier's
    ///   output is malformed; otherwise whatever the classifier throws.
    public func explain(
        _ text: String, documentID: String, label: Int, classifier: any TextClassifier, seed: UInt64
    ) throws -> Explanation {
        if let problem = settings.problem {
            throw ExplanationError.invalidSettings(documentID, problem)
        }
        let indexed = IndexedText(text)
        let d = indexed.words.count
        guard d > 0 else { throw ExplanationError.noWords(documentID) }
        let design = Self.sampleNeighbourhood(features: d, samples: settings.samples, seed: seed)
        let targets = try score(design, of: indexed, original: text, label: label, documentID: documentID, classifier: classifier)
        let weights = (0..<design.rows).map {
            Self.kernel(distance: Self.distance(kept: design.onesCount(ofRow: $0), total: d), width: settings.kernelWidth)
        }
        let moments = WeightedMoments(design: design, targets: targets, weights: weights)
        let selected = selectFeatures(moments)
        let surrogate = moments.ridge(columns: selected, alpha: 1)
        let featureWeights = zip(selected, surrogate.coefficients).enumerated()
            .sorted { (abs($0.element.1), $1.offset) > (abs($1.element.1), $0.offset) }
            .map { FeatureWeight(feature: indexed.words[$0.element.0], weight: $0.element.1) }
        return Explanation(
            documentID: documentID, label: label, weights: featureWeights, intercept: surrogate.intercept,
            score: surrogate.score, localPrediction: surrogate.predict(ones: surrogate.coefficients.indices),
            prediction: targets[0]
        )
    }

    /// LIME's neighbourhood of a text with `features` distinct words: row 0 removes nothing; each other row
    /// removes `s ~ U{1..features}` distinct words, a uniform subset drawn by a partial Fisher–Yates shuffle.
    static func sampleNeighbourhood(features d: Int, samples n: Int, seed: UInt64) -> BinaryDesign {
        var generator = SeededGenerator(seed: seed)
        var design = BinaryDesign(columns: d)
        design.reserveCapacity(rows: n, zeros: n * (d + 1) / 2)
        design.append(zeroColumns: EmptyCollection())
        var permutation = Array(0..<d)
        for _ in 1..<n {
            let removed = 1 + generator.uniform(below: d)
            for i in 0..<removed { permutation.swapAt(i, i + generator.uniform(below: d - i)) }
            design.append(zeroColumns: permutation[0..<removed])
        }
        return design
    }

    /// The classifier's probability of `label` for every row's text, in batches of ``LimeSettings/batchSize``.
    private func score(
        _ design: BinaryDesign, of indexed: IndexedText, original: String, label: Int, documentID: String,
        classifier: any TextClassifier
    ) throws -> [Double] {
        let n = design.rows
        let batch = settings.batchSize ?? n
        var targets: [Double] = []
        targets.reserveCapacity(n)
        var keep = [Bool](repeating: true, count: indexed.words.count)
        var texts: [String] = []
        texts.reserveCapacity(min(batch, n))
        for start in stride(from: 0, to: n, by: batch) {
            let end = min(start + batch, n)
            texts.removeAll(keepingCapacity: true)
            keep.withUnsafeMutableBufferPointer { keep in
                for row in start..<end {
                    let removed = design.zeroColumns(ofRow: row)
                    if removed.isEmpty {
                        texts.append(original)
                        continue
                    }
                    for feature in removed { keep[Int(feature)] = false }
                    texts.append(indexed.removing(keep: UnsafeBufferPointer(keep)))
                    for feature in removed { keep[Int(feature)] = true }
                }
            }
            let probabilities = try classifier.predictProbabilities(texts)
            guard probabilities.rows == texts.count else {
                throw ExplanationError.wrongRowCount(documentID, texts: texts.count, rows: probabilities.rows)
            }
            guard label >= 0, label < probabilities.columns else {
                throw ExplanationError.labelOutOfRange(documentID, label: label, columns: probabilities.columns)
            }
            for row in 0..<probabilities.rows {
                let p = probabilities[row, label]
                guard p.isFinite else { throw ExplanationError.notFinite(documentID, p) }
                targets.append(p)
            }
        }
        return targets
    }

    /// The features the surrogate is fitted on, in the order the reference selects them.
    private func selectFeatures(_ moments: WeightedMoments) -> [Int] {
        let d = moments.columns
        let wanted = min(settings.features, d)
        var method = settings.featureSelection
        if method == .auto { method = settings.features <= 6 ? .forwardSelection : .highestWeights }
        switch method {
        case .none, .auto:
            return Array(0..<d)
        case .highestWeights:
            // |coef · x₀| = |coef| because the original row is all ones; ties keep the lower index (Python's
            // stable sort).
            let coefficients = moments.ridge(columns: Array(0..<d), alpha: 0.01).coefficients
            return (0..<d).sorted { (abs(coefficients[$0]), $1) > (abs(coefficients[$1]), $0) }.prefix(wanted).map { $0 }
        case .forwardSelection:
            var used: [Int] = []
            var isUsed = [Bool](repeating: false, count: d)
            for _ in 0..<wanted {
                var best = (feature: -1, score: -1e8)
                for candidate in 0..<d where !isUsed[candidate] {
                    let score = moments.ridge(columns: used + [candidate], alpha: 0).score
                    if score > best.score { best = (candidate, score) }
                }
                guard best.feature >= 0 else { break }  // Only NaN scores; finite data cannot produce them.
                used.append(best.feature)
                isUsed[best.feature] = true
            }
            return used
        }
    }
}
