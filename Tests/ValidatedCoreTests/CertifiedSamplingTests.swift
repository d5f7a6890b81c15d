import Foundation
import Testing
import ValidatedCore
import ValidatedTestSupport

/// P(1) = sigmoid(bias + Σ coefficient·[word present]): a model whose ranking of words is known.
struct LogisticWordsClassifier: TextClassifier {
    var classes: [String] { ["0", "1"] }
    var coefficients: [String: Double]
    var bias: Double
    /// Up to this much added to the logit, a different amount for every distinct text (its sha256): the way any
    /// edit moves a neural model a little, in no particular direction.
    var jitter: Double = 0

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        var values: [Double] = []
        values.reserveCapacity(2 * texts.count)
        for text in texts {
            var z = Set(IndexedText(text).words).reduce(bias) { $0 + (coefficients[$1] ?? 0) }
            if jitter != 0 {
                let byte = SHA256.hash(Data(text.utf8))[0]
                z += jitter * (Double(byte) / 127.5 - 1)
            }
            let p = 1 / (1 + exp(-z))
            values += [1 - p, p]
        }
        return ProbabilityMatrix(rows: texts.count, columns: 2, values: values)
    }

    /// Words `w1…wN` with the given logit coefficients, centred so the full text sits near the sigmoid's middle.
    static func words(_ coefficients: [Double]) -> (text: String, classifier: LogisticWordsClassifier) {
        let words = coefficients.indices.map { "w\($0 + 1)" }
        let classifier = LogisticWordsClassifier(
            coefficients: Dictionary(uniqueKeysWithValues: zip(words, coefficients)),
            bias: -coefficients.reduce(0, +) / 2
        )
        return (words.joined(separator: " "), classifier)
    }
}

@Suite struct CertifiedSamplingTests {
    static let certifying = LimeSettings(
        samples: 1000,
        certifyConfidence: 0.95,
        certifyStartSamples: 250,
        certifyNegligible: 0
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
        let certifying = RecordingClassifier(model)
        let fixed = RecordingClassifier(model)
        let certified = try LimeTextExplainer(settings: Self.certifying)
            .explain(text, documentID: "tie", label: 1, classifier: certifying, seed: 11)
        let plain = try LimeTextExplainer(settings: LimeSettings(samples: 1000, certifyConfidence: nil))
            .explain(text, documentID: "tie", label: 1, classifier: fixed, seed: 11)
        #expect(!certified.certified && certified.stop == .ceiling)
        #expect(certified.samples == 1000)
        #expect(plain.samples == 1000 && !plain.certified && plain.stop == nil)
        // The same samples; the sums grew round by round instead of at once, so equal up to rounding.
        #expect(certified.weights.map(\.feature) == plain.weights.map(\.feature))
        for (grown, once) in zip(certified.weights, plain.weights) { #expect(abs(grown.weight - once.weight) < 1e-9) }
        #expect(abs(certified.intercept - plain.intercept) < 1e-9 && abs(certified.score - plain.score) < 1e-9)
        // Prefix-consistent: the rounds (250, 375, 562, 843, 1000 samples) scored only their new texts, which are
        // the fixed run's 1000 in order.
        #expect(certifying.batches.map(\.count) == [250, 125, 187, 281, 157])
        #expect(certifying.batches.flatMap { $0 } == fixed.batches.flatMap { $0 })
    }

    @Test func aFocusedExplanationSettlesOnceItsWordsArePlacedThoughTheBoundaryIsTied() throws {
        // w10 and w11 tie at the boundary, so the top 10 never certifies; w1 (the strongest) and w12 (nothing) sit
        // far from it on either side.
        let (text, model) = LogisticWordsClassifier.words(Array(repeating: 1.0, count: 9) + [0.5, 0.5, 0])
        let explainer = LimeTextExplainer(settings: Self.certifying)
        for focus: Set<String> in [["w1"], ["w12"], ["w1", "w12"]] {
            let explanation = try explainer.explain(
                text,
                documentID: "focus",
                label: 1,
                classifier: model,
                seed: 11,
                focus: focus
            )
            #expect(explanation.stop == .settled && !explanation.certified, "\(focus)")
            #expect(explanation.samples < 1000, "\(focus)")
        }
        // A tied word is not placed by any sample size: the ceiling comes first, as without a focus.
        let tied = try explainer.explain(
            text,
            documentID: "focus",
            label: 1,
            classifier: model,
            seed: 11,
            focus: ["w10"]
        )
        #expect(tied.stop == .ceiling && tied.samples == 1000)
        // No word of the focus in the text: nothing to place, so the first round is the explanation.
        let absent = try explainer.explain(
            text,
            documentID: "focus",
            label: 1,
            classifier: model,
            seed: 11,
            focus: ["nntp"]
        )
        #expect(absent.stop == .settled && absent.samples == 250)
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

    static let saturating = LimeSettings(
        samples: 5000,
        certifyConfidence: 0.95,
        certifyStartSamples: 250,
        certifyNegligible: 0,
        certifySaturation: 0.02
    )

    @Test func aTieInANoisyTailStopsEarlyAsSaturated() throws {
        // Five words matter and ten do not: five of the ten fill the top 10 in an order no sample size settles.
        let (text, classifier) = LogisticWordsClassifier.words(
            Array(repeating: 1.0, count: 5) + Array(repeating: 0, count: 10)
        )
        let explanation = try LimeTextExplainer(settings: Self.saturating)
            .explain(text, documentID: "noisy tail", label: 1, classifier: classifier, seed: 3)
        #expect(explanation.stop == .saturated && !explanation.certified)
        #expect(explanation.samples < 2000)
        #expect(Set((1...5).map { "w\($0)" }).isSubset(of: Set(explanation.weights.map(\.feature))))
        var strict = Self.saturating
        strict.certifySaturation = nil
        let ceiling = try LimeTextExplainer(settings: strict)
            .explain(text, documentID: "noisy tail", label: 1, classifier: classifier, seed: 3)
        #expect(ceiling.stop == .ceiling && ceiling.samples == 5000)
    }

    @Test func aSeparableTopTenStillCertifiesWithTheSaturationRuleOn() throws {
        let (text, classifier) = LogisticWordsClassifier.words(
            (0..<10).map { 1.5 - 0.1 * Double($0) } + Array(repeating: 0, count: 5)
        )
        let explanation = try LimeTextExplainer(settings: Self.saturating)
            .explain(text, documentID: "separable", label: 1, classifier: classifier, seed: 5)
        #expect(explanation.stop == .certified && explanation.certified)
        #expect(Set(explanation.weights.map(\.feature)) == Set((1...10).map { "w\($0)" }))
    }

    @Test func theSaturationRuleIsDeterministicForASeed() throws {
        let (text, classifier) = LogisticWordsClassifier.words(
            Array(repeating: 1.0, count: 4) + (0..<12).map { 0.02 * Double($0 % 3) }
        )
        let explainer = LimeTextExplainer(settings: Self.saturating)
        let first = try explainer.explain(text, documentID: "again", label: 1, classifier: classifier, seed: 17)
        let second = try explainer.explain(text, documentID: "again", label: 1, classifier: classifier, seed: 17)
        #expect(first == second)
        let estimate = {
            TopKSaturation.estimate(
                coefficients: [1, 0.5, 0.1, 0.09, 0.08],
                covariance: Self.diagonal([0.01, 0.01, 0.01, 0.01, 0.01]),
                k: 2,
                rows: 250,
                ceiling: 5000,
                seed: 4
            )
        }
        #expect(estimate() == estimate())
    }

    @Test func theExpectedJaccardsSeeTiesAndGaps() {
        // Two clear leaders: stable at any size. A tie at the boundary of zero weights: no better at the ceiling.
        let clear = TopKSaturation.estimate(
            coefficients: [1, 0.8, 0.01, -0.01],
            covariance: Self.diagonal([0.001, 0.001, 0.001, 0.001]),
            k: 2,
            rows: 250,
            ceiling: 5000,
            seed: 1
        )
        #expect(clear.current > 0.99 && clear.isSaturated(delta: 0.01))
        let tied = TopKSaturation.estimate(
            coefficients: [1, 0.01, -0.02, 0.015],
            covariance: Self.diagonal([0.001, 0.001, 0.001, 0.001]),
            k: 2,
            rows: 250,
            ceiling: 5000,
            seed: 1
        )
        #expect(tied.ceiling < 0.8 && tied.isSaturated(delta: 0.02))
        // A boundary gap of three standard errors at 250 samples: the ceiling (4.5 times tighter) settles it.
        let settling = TopKSaturation.estimate(
            coefficients: [1, 0.3, 0.3 - 0.3 * 2.0.squareRoot() / 3, 0],
            covariance: Self.diagonal([0.01, 0.01, 0.01, 0.01]),
            k: 2,
            rows: 250,
            ceiling: 5000,
            seed: 1
        )
        #expect(settling.ceiling > settling.current + 0.02 && !settling.isSaturated(delta: 0.02))
    }

    static func diagonal(_ values: [Double]) -> [Double] {
        let p = values.count
        return (0..<(p * p)).map { $0 % (p + 1) == 0 ? values[$0 / (p + 1)] : 0 }
    }

    @Test func momentsGrownRowByBlockEqualThoseSummedAtOnce() {
        let (design, targets, weights) = Self.fixedNeighbourhood(rows: 300, features: 70)
        let once = WeightedMoments(design: design, targets: targets, weights: weights)
        var grown = WeightedMoments(columns: 70)
        for (start, end) in [(0, 1), (1, 64), (64, 200), (200, 300)] {
            grown.append(design, rows: start..<end, targets: targets, weights: weights)
        }
        #expect(grown.rows == 300)
        let columns = [0, 3, 64, 69, 12]
        let a = once.ridge(columns: columns, alpha: 1)
        let b = grown.ridge(columns: columns, alpha: 1)
        for (x, y) in zip(a.coefficients, b.coefficients) { #expect(abs(x - y) < 1e-9) }
        #expect(abs(a.intercept - b.intercept) < 1e-9 && abs(a.score - b.score) < 1e-9)
        let (matrixOnce, rhsOnce) = once.centredSystem(columns: Array(0..<70))
        let (matrixGrown, rhsGrown) = grown.centredSystem(columns: Array(0..<70))
        for (x, y) in zip(matrixOnce + rhsOnce, matrixGrown + rhsGrown) { #expect(abs(x - y) < 1e-9) }
    }

    @Test func aTextWithNoMoreFeaturesThanTheTopIsCertifiedWithoutATest() throws {
        let (text, classifier) = LogisticWordsClassifier.words([1, 0.5, 0.5, 0])
        let explanation = try LimeTextExplainer(settings: Self.certifying)
            .explain(text, documentID: "short", label: 1, classifier: classifier, seed: 1)
        #expect(explanation.certified && explanation.samples == 250)
    }

    @Test func samplesAndCertifiedAreAddedToTheJSONAndOptionalWhenRead() throws {
        var explanation = Explanation(
            documentID: "d",
            label: 1,
            weights: [FeatureWeight(feature: "w", weight: 0.5)],
            intercept: 0.1,
            score: 0.9,
            localPrediction: 0.6,
            prediction: 0.7
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
        let old =
            #"{"document":"d","label":1,"weights":[],"intercept":0,"score":1,"local_prediction":0,"prediction":0}"#
        let decoded = try JSONDecoder().decode(Explanation.self, from: Data(old.utf8))
        #expect(decoded.samples == 0 && !decoded.certified && decoded.stop == nil)
        explanation.stop = .saturated
        let withStop = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(explanation)) as? [String: Any]
        )
        #expect(withStop["stop"] as? String == "saturated")
        #expect(try JSONDecoder().decode(Explanation.self, from: JSONEncoder().encode(explanation)) == explanation)
    }

    @Test(arguments: [1.5, -0.1, 1.0])
    func aConfidenceOutsideZeroToOneIsRefused(confidence: Double) {
        let explainer = LimeTextExplainer(settings: LimeSettings(certifyConfidence: confidence))
        #expect(throws: ExplanationError.self) {
            try explainer.explain("a b", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 1)
        }
    }

    @Test func theSandwichCovarianceMatchesADenseNumpyComputation() async throws {
        let (design, targets, weights) = Self.fixedNeighbourhood(rows: 80, features: 5)
        let moments = WeightedMoments(design: design, targets: targets, weights: weights)
        let fit = moments.ridge(columns: Array(0..<5), alpha: 0.01)
        let covariance = SandwichCovariance.covariance(
            design: design,
            targets: targets,
            weights: weights,
            moments: moments,
            fit: fit,
            alpha: 0.01
        )
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dense = (0..<design.rows).map { row in
            let removed = Set(design.zeroColumns(ofRow: row).map(Int.init))
            return (0..<5).map { removed.contains($0) ? 0 : 1 }
        }
        let input = directory.path + "/in.json"
        let output = directory.path + "/out.json"
        let payload: [String: Any] = ["design": dense, "targets": targets, "weights": weights, "alpha": 0.01]
        try JSONSerialization.data(withJSONObject: payload).write(to: URL(fileURLWithPath: input))
        let run = try await runPython("scripts/sandwich_reference.py", [input, output])
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
                distance: LimeTextExplainer.distance(kept: design.onesCount(ofRow: $0), total: d),
                width: 25
            )
        }
        return (design, targets, weights)
    }
}
