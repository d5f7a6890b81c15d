import Foundation
import Testing
import ValidatedCore
import ValidatedTestSupport

/// P(1) = sigmoid(bias + Σ coefficient·[word present]): a model whose ranking of words is known.
struct LogisticWordsClassifier: TextClassifier {
    var classes: [String] { ["0", "1"] }
    var coefficients: [String: Double]
    var bias: Double

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        var values: [Double] = []
        values.reserveCapacity(2 * texts.count)
        for text in texts {
            let z = Set(IndexedText(text).words).reduce(bias) { $0 + (coefficients[$1] ?? 0) }
            let p = 1 / (1 + exp(-z))
            values += [1 - p, p]
        }
        return ProbabilityMatrix(rows: texts.count, columns: 2, values: values)
    }

    /// Words `w1…wN` with the given logit coefficients, centred so the full text sits near the sigmoid's middle.
    static func words(_ coefficients: [Double]) -> (text: String, classifier: LogisticWordsClassifier) {
        let words = coefficients.indices.map { "w\($0 + 1)" }
        let classifier = LogisticWordsClassifier(
            coefficients: Dictionary(uniqueKeysWithValues: zip(words, coefficients)), bias: -coefficients.reduce(0, +) / 2
        )
        return (words.joined(separator: " "), classifier)
    }
}

@Suite struct CertifiedSamplingTests {
    static let certifying = LimeSettings(
        samples: 1000, certifyConfidence: 0.95, certifyStartSamples: 250, certifyNegligible: 0
    )

    @Test func aClearlySeparatedTopTenCertifiesEarly() throws {
        let (text, classifier) = LogisticWordsClassifier.words(
            Array(repeating: 1.0, count: 10) + Array(repeating: 0, count: 5)
        )
        let explanation = try LimeTextExplainer(settings: Self.certifying)
            .explain(text, documentID: "separated", label: 1, classifier: classifier, seed: 7)
        #expect(explanation.certified)
        #expect(explanation.samples <= 500)
        #expect(Set(explanation.weights.map(\.feature)) == Set((1...10).map { "w\($0)" }))
    }

    @Test func aTieAtTheBoundaryRunsToTheCeilingAndGivesTheFixedSizeExplanation() throws {
        // w10 and w11 weigh the same: one is in the top 10 and the other out, and no sample size separates them.
        let (text, model) = LogisticWordsClassifier.words(Array(repeating: 1.0, count: 9) + [0.5, 0.5, 0])
        let certifying = RecordingClassifier(model), fixed = RecordingClassifier(model)
        let certified = try LimeTextExplainer(settings: Self.certifying)
            .explain(text, documentID: "tie", label: 1, classifier: certifying, seed: 11)
        let plain = try LimeTextExplainer(settings: LimeSettings(samples: 1000))
            .explain(text, documentID: "tie", label: 1, classifier: fixed, seed: 11)
        #expect(!certified.certified)
        #expect(certified.samples == 1000)
        #expect(plain.samples == 1000 && !plain.certified)
        #expect(certified == plain)
        // Prefix-consistent: the rounds (250, 375, 562, 843, 1000 samples) scored only their new texts, which are
        // the fixed run's 1000 in order.
        #expect(certifying.batches.map(\.count) == [250, 125, 187, 281, 157])
        #expect(certifying.batches.flatMap { $0 } == fixed.batches.flatMap { $0 })
    }

    @Test func aTieBetweenNegligibleFeaturesDoesNotBlockCertificationUnlessAskedTo() throws {
        // Five words matter; the top 10 is filled with five of ten words that do not, which no test can order.
        let (text, classifier) = LogisticWordsClassifier.words(
            Array(repeating: 1.0, count: 5) + Array(repeating: 0, count: 10)
        )
        var settings = Self.certifying
        settings.certifyNegligible = 0.1
        let lenient = try LimeTextExplainer(settings: settings)
            .explain(text, documentID: "negligible", label: 1, classifier: classifier, seed: 3)
        let strict = try LimeTextExplainer(settings: Self.certifying)
            .explain(text, documentID: "negligible", label: 1, classifier: classifier, seed: 3)
        #expect(lenient.certified && lenient.samples <= 500)
        #expect(!strict.certified && strict.samples == 1000)
    }

    @Test func aTextWithNoMoreFeaturesThanTheTopIsCertifiedWithoutATest() throws {
        let (text, classifier) = LogisticWordsClassifier.words([1, 0.5, 0.5, 0])
        let explanation = try LimeTextExplainer(settings: Self.certifying)
            .explain(text, documentID: "short", label: 1, classifier: classifier, seed: 1)
        #expect(explanation.certified && explanation.samples == 250)
    }

    @Test func samplesAndCertifiedAreAddedToTheJSONAndOptionalWhenRead() throws {
        var explanation = Explanation(
            documentID: "d", label: 1, weights: [FeatureWeight(feature: "w", weight: 0.5)], intercept: 0.1, score: 0.9,
            localPrediction: 0.6, prediction: 0.7
        )
        explanation.samples = 500
        explanation.certified = true
        let encoded = try JSONEncoder().encode(explanation)
        let object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "document", "label", "weights", "intercept", "score", "local_prediction", "prediction", "samples",
                "certified",
            ]
        )
        #expect(try JSONDecoder().decode(Explanation.self, from: JSONEncoder().encode(explanation)) == explanation)
        let old = #"{"document":"d","label":1,"weights":[],"intercept":0,"score":1,"local_prediction":0,"prediction":0}"#
        let decoded = try JSONDecoder().decode(Explanation.self, from: Data(old.utf8))
        #expect(decoded.samples == 0 && !decoded.certified)
    }

    @Test(arguments: [1.5, -0.1, 1.0])
    func aConfidenceOutsideZeroToOneIsRefused(confidence: Double) {
        let explainer = LimeTextExplainer(settings: LimeSettings(certifyConfidence: confidence))
        #expect(throws: ExplanationError.self) {
            try explainer.explain("a b", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 1)
        }
    }

    @Test func theSandwichCovarianceMatchesADenseNumpyComputation() throws {
        let (design, targets, weights) = Self.fixedNeighbourhood(rows: 80, features: 5)
        let moments = WeightedMoments(design: design, targets: targets, weights: weights)
        let fit = moments.ridge(columns: Array(0..<5), alpha: 0.01)
        let covariance = SandwichCovariance.covariance(
            design: design, targets: targets, weights: weights, moments: moments, fit: fit, alpha: 0.01
        )
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dense = (0..<design.rows).map { row in
            let removed = Set(design.zeroColumns(ofRow: row).map(Int.init))
            return (0..<5).map { removed.contains($0) ? 0 : 1 }
        }
        let input = directory.path + "/in.json", output = directory.path + "/out.json"
        let payload: [String: Any] = ["design": dense, "targets": targets, "weights": weights, "alpha": 0.01]
        try JSONSerialization.data(withJSONObject: payload).write(to: URL(fileURLWithPath: input))
        let run = try runPython("scripts/sandwich_reference.py", [input, output])
        #expect(run.status == 0, "\(run.stderr)")
        let reference = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        )
        let coefficients = try #require(reference["coefficients"] as? [Double])
        let expected = try #require(reference["covariance"] as? [Double])
        for (mine, theirs) in zip(fit.coefficients, coefficients) { #expect(abs(mine - theirs) < 1e-9) }
        let scale = expected.map(abs).max() ?? 1
        #expect(covariance.count == expected.count)
        for (mine, theirs) in zip(covariance, expected) {
            #expect(abs(mine - theirs) <= 1e-9 * scale, "\(mine) vs \(theirs)")
        }
    }

    /// A LIME-like neighbourhood (row 0 all ones, then uniform removals), nonlinear targets and kernel weights.
    static func fixedNeighbourhood(rows: Int, features d: Int) -> (BinaryDesign, [Double], [Double]) {
        var generator = SeededGenerator(seed: 42)
        var design = BinaryDesign(columns: d)
        design.append(zeroColumns: EmptyCollection())
        for _ in 1..<rows {
            var columns = Array(0..<d)
            columns.shuffle(using: &generator)
            design.append(zeroColumns: columns.prefix(1 + generator.uniform(below: d)))
        }
        let targets = (0..<rows).map { row -> Double in
            let removed = Set(design.zeroColumns(ofRow: row).map(Int.init))
            let x = (0..<d).map { removed.contains($0) ? 0.0 : 1.0 }
            return 1 / (1 + exp(-(2 * x[0] * x[1] - 1.5 * x[2] + 0.7 * x[3] - 0.4 + 0.1 * sin(Double(row)))))
        }
        let weights = (0..<rows).map {
            LimeTextExplainer.kernel(
                distance: LimeTextExplainer.distance(kept: design.onesCount(ofRow: $0), total: d), width: 25
            )
        }
        return (design, targets, weights)
    }
}
