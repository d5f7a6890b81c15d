// Over 450 lines: LIME's one algorithm (the rounds of certified sampling, scoring the samples, the surrogate's fit
// and feature selection), read together against the reference package.
import Foundation

/// LIME for text, as `lime.lime_text.LimeTextExplainer` (0.2.0.1) does it, with its defaults.
///
/// The text is cut into features (``IndexedText``: distinct words by default, see ``LimeSettings/bow``,
/// ``LimeSettings/splitExpression`` and ``LimeSettings/charLevel``). Sample 0 is the original text; each other
/// sample removes `s ~ U{1..D}` distinct features of the `D`, chosen uniformly. Samples are weighted by the
/// kernel `sqrt(exp(−d²/width²))` of their cosine distance × 100 to the original, `d = 100(1 − √(k/D))` for `k`
/// kept features. For each explained class, features are selected (``FeatureSelection``) and a weighted ridge
/// (alpha 1, unpenalised intercept) on them is the explanation. The random stream comes from the caller's seed
/// only, so an explanation is reproducible; see ``ExplanationSeed``. The stream is not NumPy's, so results
/// match the Python package in distribution, not bit for bit.
///
/// Cost: one classifier call on `samples` texts (or several of ``LimeSettings/batchSize``; none when the
/// classifier offers a ``MaskedTextScorer``, which scores the samples from their kept features),
/// `O(samples·D²)` to accumulate the regression's sums and `O(D³)` for `highest_weights`. Nothing of size
/// `samples × D` is kept beyond one explanation; the samples are stored as bit masks (`samples·⌈D/64⌉`
/// words).
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
    /// - Parameter focus: The words (lowercased) a caller's verdict turns on, or `nil`: with certified sampling,
    ///   an explanation whose top features are not separated may also stop once each feature that is one of
    ///   these words stands on its side of the top-k boundary (``SamplingStop/settled``); a text with none of
    ///   them stops after the first round.
    /// - Throws: ``ExplanationError`` when the text has no features, the settings are unusable or the
    ///   classifier's output is malformed; otherwise whatever the classifier throws.
    public func explain(
        _ text: String,
        documentID: String,
        label: Int,
        classifier: any TextClassifier,
        seed: UInt64,
        focus: Set<String>? = nil
    ) throws -> Explanation {
        var stages = LimeStageTimes()
        return try explain(
            text,
            documentID: documentID,
            labels: .chosen([label]),
            classifier: classifier,
            seed: seed,
            focus: focus,
            stages: &stages
        )[0]
    }

    /// ``explain(_:documentID:label:classifier:seed:focus:)`` without a focus, adding the time of each stage to
    /// `stages`: for
    /// benchmarks and profiles.
    public func explain(
        _ text: String,
        documentID: String,
        label: Int,
        classifier: any TextClassifier,
        seed: UInt64,
        stages: inout LimeStageTimes
    ) throws -> Explanation {
        try explain(
            text,
            documentID: documentID,
            labels: .chosen([label]),
            classifier: classifier,
            seed: seed,
            focus: nil,
            stages: &stages
        )[0]
    }

    /// Explains the classifier's probability of each class in `labels` for `text` (the reference's `labels`),
    /// all from one neighbourhood: one sample set and one classifier call, one surrogate per class.
    ///
    /// - Returns: One explanation per label, in the order given.
    /// - Throws: ``ExplanationError`` when `labels` is empty or names a class the model does not return, and
    ///   as ``explain(_:documentID:label:classifier:seed:focus:)``.
    public func explain(
        _ text: String,
        documentID: String,
        labels: [Int],
        classifier: any TextClassifier,
        seed: UInt64,
        focus: Set<String>? = nil
    ) throws -> [Explanation] {
        var stages = LimeStageTimes()
        return try explain(
            text,
            documentID: documentID,
            labels: .chosen(labels),
            classifier: classifier,
            seed: seed,
            focus: focus,
            stages: &stages
        )
    }

    /// Explains the `topLabels` classes the classifier finds most probable for `text` (the reference's
    /// `top_labels`), most probable first; ties put the higher class index first, as the reference's `argsort`
    /// does.
    ///
    /// - Returns: `min(topLabels, classes)` explanations.
    /// - Throws: ``ExplanationError`` when `topLabels` is below 1, and as
    ///   ``explain(_:documentID:label:classifier:seed:focus:)``.
    public func explain(
        _ text: String,
        documentID: String,
        topLabels: Int,
        classifier: any TextClassifier,
        seed: UInt64,
        focus: Set<String>? = nil
    ) throws -> [Explanation] {
        var stages = LimeStageTimes()
        return try explain(
            text,
            documentID: documentID,
            labels: .top(topLabels),
            classifier: classifier,
            seed: seed,
            focus: focus,
            stages: &stages
        )
    }

    /// Which classes to explain.
    private enum Labels {
        case chosen([Int])
        case top(Int)
    }

    private func explain(
        _ text: String,
        documentID: String,
        labels: Labels,
        classifier: any TextClassifier,
        seed: UInt64,
        focus: Set<String>?,
        stages: inout LimeStageTimes
    ) throws -> [Explanation] {
        let clock = ContinuousClock()
        var mark = clock.now
        func lap(_ stage: WritableKeyPath<LimeStageTimes, Duration>) {
            let now = clock.now
            stages[keyPath: stage] += now - mark
            mark = now
        }
        if let problem = settings.problem {
            throw ExplanationError.invalidSettings(documentID, problem)
        }
        switch labels {
        case .chosen(let chosen) where chosen.isEmpty: throw ExplanationError.noLabels(documentID)
        case .top(let count) where count < 1: throw ExplanationError.noLabels(documentID)
        default: break
        }
        let indexed = try features(of: text, documentID: documentID)
        let d = indexed.words.count
        guard d > 0 else { throw ExplanationError.noWords(documentID, settings) }
        let focused = focus.map { words in
            Set(indexed.words.indices.filter { words.contains(indexed.words[$0].lowercased()) })
        }
        var sampler = NeighbourhoodSampler(features: d, seed: seed, expectedRows: settings.samples)
        var scorer = (classifier as? any MaskedTextScoring)?.maskedScorer(for: indexed)
        var probabilities: ProbabilityMatrix?
        let kernels = (0...d).map {
            Self.kernel(distance: Self.distance(kept: $0, total: d), width: settings.kernelWidth)
        }
        var weights: [Double] = []
        var fits: [LabelFit] = []
        var rows = settings.certifies ? min(settings.certifyStartSamples, settings.samples) : settings.samples
        while true {
            sampler.extend(to: rows)
            let design = sampler.design
            let earlier = probabilities?.rows ?? 0
            lap(\.sampling)
            let block = try score(
                design,
                rows: earlier..<rows,
                scorer: &scorer,
                of: indexed,
                original: text,
                documentID: documentID,
                classifier: classifier
            )
            let scored = try Self.appending(block, to: probabilities, documentID: documentID)
            probabilities = scored
            lap(\.scoring)
            if fits.isEmpty {
                fits = try Self.resolve(labels, probabilities: scored, documentID: documentID)
                    .map { LabelFit(label: $0, columns: d) }
            }
            weights += (earlier..<rows).map { kernels[design.onesCount(ofRow: $0)] }
            lap(\.distances)
            for index in fits.indices {
                fits[index].append(design, rows: earlier..<rows, probabilities: scored, weights: weights)
            }
            let stop = self.stop(design, weights: weights, fits: fits, seed: seed, focus: focused)
            lap(\.fit)
            guard let stop else {
                rows = min(rows + rows / 2, settings.samples)
                continue
            }
            defer { lap(\.fit) }
            let explanations = fits.map { fit in
                var explanation = self.explanation(
                    of: fit.moments,
                    label: fit.label,
                    prediction: fit.targets[0],
                    words: indexed.words,
                    documentID: documentID
                )
                explanation.samples = rows
                explanation.certified = stop == .certified
                explanation.stop = settings.certifies ? stop : nil
                return explanation
            }
            // A validation's phases explain through their metered classifier: the phase counts the sampling.
            (classifier as? CachedClassifier)?.meter.add(explanations, ceiling: settings.samples)
            return explanations
        }
    }

    /// One explained class's targets and regression sums so far.
    private struct LabelFit {
        let label: Int
        var targets: [Double] = []
        var moments: WeightedMoments

        init(label: Int, columns: Int) {
            self.label = label
            moments = WeightedMoments(columns: columns)
        }

        /// Adds the rows `range` of `design`, their targets taken from `probabilities` (all rows so far).
        mutating func append(
            _ design: BinaryDesign,
            rows range: Range<Int>,
            probabilities: ProbabilityMatrix,
            weights: [Double]
        ) {
            for row in range { targets.append(probabilities[row, label]) }
            moments.append(design, rows: range, targets: targets, weights: weights)
        }
    }

    /// Why sampling stops after this round, or `nil` to draw more: every class certified, every class certified,
    /// saturated or settled on `focus`, or the ceiling reached (always, when certification is off).
    private func stop(
        _ design: BinaryDesign,
        weights: [Double],
        fits: [LabelFit],
        seed: UInt64,
        focus: Set<Int>?
    ) -> SamplingStop? {
        guard settings.certifies else { return .ceiling }
        var stop = SamplingStop.certified
        for (index, fit) in fits.enumerated() {
            let roundSeed = seed ^ (0x5A70_11E5_0000_0000 &+ UInt64(design.rows) &* 0x9E37_79B9 &+ UInt64(index))
            let standing = standing(
                design: design,
                targets: fit.targets,
                weights: weights,
                moments: fit.moments,
                seed: roundSeed,
                focus: focus
            )
            switch standing {
            case .certified: break
            case .saturated: stop = .saturated
            case .settled: if stop == .certified { stop = .settled }
            case .open: return design.rows >= settings.samples ? .ceiling : nil
            }
        }
        return stop
    }

    /// `block`'s rows after those of `earlier`.
    private static func appending(
        _ block: ProbabilityMatrix,
        to earlier: ProbabilityMatrix?,
        documentID: String
    ) throws(ExplanationError) -> ProbabilityMatrix {
        guard let earlier else { return block }
        guard block.columns == earlier.columns else {
            throw ExplanationError.columnsChanged(documentID, from: earlier.columns, to: block.columns)
        }
        return ProbabilityMatrix(
            rows: earlier.rows + block.rows,
            columns: block.columns,
            values: earlier.values + block.values
        )
    }

    /// The classes `labels` asks for, checked against the model's columns.
    private static func resolve(
        _ labels: Labels,
        probabilities: ProbabilityMatrix,
        documentID: String
    ) throws(ExplanationError) -> [Int] {
        switch labels {
        case .chosen(let chosen):
            if let outside = chosen.first(where: { $0 < 0 || $0 >= probabilities.columns }) {
                throw ExplanationError.labelOutOfRange(documentID, label: outside, columns: probabilities.columns)
            }
            return chosen
        case .top(let count):
            return (0..<probabilities.columns).sorted { (probabilities[0, $0], $0) > (probabilities[0, $1], $1) }
                .prefix(count).map { $0 }
        }
    }

    /// The explanation of class `label`: the selected features' weighted ridge (alpha 1), largest weight first.
    private func explanation(
        of moments: WeightedMoments,
        label: Int,
        prediction: Double,
        words: [String],
        documentID: String
    ) -> Explanation {
        let selected = selectFeatures(moments)
        let surrogate = moments.ridge(columns: selected, alpha: 1)
        let errors = moments.coefficientStandardErrors(columns: selected, alpha: 1)
        let order = surrogate.coefficients.indices.sorted {
            (abs(surrogate.coefficients[$0]), $1) > (abs(surrogate.coefficients[$1]), $0)
        }
        var explanation = Explanation(
            documentID: documentID,
            label: label,
            weights: order.map { FeatureWeight(feature: words[selected[$0]], weight: surrogate.coefficients[$0]) },
            intercept: surrogate.intercept,
            score: surrogate.score,
            localPrediction: surrogate.predict(ones: surrogate.coefficients.indices),
            prediction: prediction
        )
        explanation.standardErrors = order.map { errors[$0] }
        return explanation
    }

    /// The text cut into features as the settings ask.
    private func features(of text: String, documentID: String) throws(ExplanationError) -> IndexedText {
        do {
            return try settings.indexedText(text)
        } catch {
            throw ExplanationError.invalidSettings(documentID, error.description)
        }
    }

    /// The classifier's probabilities for the texts of the rows `range`: from `scorer` when the classifier offers
    /// one, otherwise from the texts, in batches of ``LimeSettings/batchSize``.
    private func score(
        _ design: BinaryDesign,
        rows range: Range<Int>,
        scorer: inout (any MaskedTextScorer)?,
        of indexed: IndexedText,
        original: String,
        documentID: String,
        classifier: any TextClassifier
    ) throws -> ProbabilityMatrix {
        if scorer != nil { return try Self.score(design, rows: range, with: &scorer!, documentID: documentID) }
        let batch = settings.batchSize ?? range.count
        var values: [Double] = []
        var columns = 0
        var keep = [Bool](repeating: true, count: indexed.words.count)
        var texts: [String] = []
        texts.reserveCapacity(min(batch, range.count))
        for start in stride(from: range.lowerBound, to: range.upperBound, by: batch) {
            let end = min(start + batch, range.upperBound)
            texts.removeAll(keepingCapacity: true)
            keep.withUnsafeMutableBufferPointer { keep in
                for row in start..<end {
                    if design.onesCount(ofRow: row) == design.columns {
                        texts.append(original)
                        continue
                    }
                    let removed = design.zeroColumns(ofRow: row)
                    for feature in removed { keep[Int(feature)] = false }
                    texts.append(indexed.removing(keep: UnsafeBufferPointer(keep)))
                    for feature in removed { keep[Int(feature)] = true }
                }
            }
            let probabilities = try classifier.predictProbabilities(texts)
            guard probabilities.rows == texts.count else {
                throw ExplanationError.wrongRowCount(documentID, texts: texts.count, rows: probabilities.rows)
            }
            if start == range.lowerBound {
                columns = probabilities.columns
                values.reserveCapacity(range.count * columns)
            } else if probabilities.columns != columns {
                throw ExplanationError.columnsChanged(documentID, from: columns, to: probabilities.columns)
            }
            for p in probabilities.values {
                guard p.isFinite else { throw ExplanationError.notFinite(documentID, p) }
            }
            values.append(contentsOf: probabilities.values)
        }
        return ProbabilityMatrix(rows: range.count, columns: columns, values: values)
    }

    /// The probabilities of the rows `range` from a masked scorer: no text is built.
    private static func score(
        _ design: BinaryDesign,
        rows range: Range<Int>,
        with scorer: inout any MaskedTextScorer,
        documentID: String
    ) throws(ExplanationError) -> ProbabilityMatrix {
        let columns = scorer.classCount
        let words = design.wordsPerRow
        var values = [Double](repeating: 0, count: range.count * columns)
        values.withUnsafeMutableBufferPointer { values in
            design.masks.withUnsafeBufferPointer { masks in
                for (offset, row) in range.enumerated() {
                    scorer.score(
                        kept: KeptFeatures(
                            words: UnsafeBufferPointer(rebasing: masks[(row * words)..<((row + 1) * words)])
                        ),
                        into: UnsafeMutableBufferPointer(
                            rebasing: values[(offset * columns)..<((offset + 1) * columns)]
                        )
                    )
                }
            }
        }
        if let bad = values.first(where: { !$0.isFinite }) { throw ExplanationError.notFinite(documentID, bad) }
        return ProbabilityMatrix(rows: range.count, columns: columns, values: values)
    }

    /// The features the surrogate is fitted on, in the order the reference selects them (its
    /// `LimeBase.feature_selection` on the neighbourhood `moments` summarises).
    ///
    /// An explanation is then `moments.ridge(columns: selected, alpha: 1)`, its coefficients ranked by absolute
    /// value.
    public func selectFeatures(_ moments: WeightedMoments) -> [Int] {
        let d = moments.columns
        let wanted = min(settings.features, d)
        var method = settings.featureSelection
        if method == .auto { method = settings.features <= 6 ? .forwardSelection : .highestWeights }
        switch method {
        case .none, .auto:
            return Array(0..<d)
        case .lassoPath:
            return moments.lassoPath().selection(features: settings.features)
        case .highestWeights:
            // |coef · x₀| = |coef| because the original row is all ones; ties keep the lower index (Python's
            // stable sort).
            let coefficients = moments.ridge(columns: Array(0..<d), alpha: 0.01).coefficients
            return (0..<d).sorted { (abs(coefficients[$0]), $1) > (abs(coefficients[$1]), $0) }.prefix(wanted).map {
                $0
            }
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
