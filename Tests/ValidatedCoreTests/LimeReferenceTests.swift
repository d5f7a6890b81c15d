import Foundation
import Testing
import ValidatedCore
import ValidatedTestSupport

/// The deterministic pieces of LIME against values the `lime` package (0.2.0.1) and scikit-learn computed, from
/// `Tests/Fixtures/lime/reference.json` (written by `scripts/lime_reference.py fixture`).
@Suite struct LimeReferenceTests {
    struct Reference: Decodable {
        var tokenisation: [Tokenisation]
        var deterministic: Deterministic
    }

    struct Tokenisation: Decodable {
        var text: String
        var split_expression: String?
        var bow: Bool
        var char_level: Bool
        var tokens: [String]
        var words: [String]
        var removed: [[Int]]
        var masked: [String]
    }

    struct Deterministic: Decodable {
        var data: [[Int]]
        var labels: [Double]
        var distances: [Double]
        var weights: [Double]
        var ridge: [Ridge]
        var lars: [Lars]
        var selections: [Selection]
        var kernel: [Kernel]
    }

    struct Ridge: Decodable {
        var alpha: Double
        var columns: [Int]
        var coefficients: [Double]
        var intercept: Double
        var score: Double
        var prediction_at_ones: Double
    }

    struct Lars: Decodable {
        var name: String
        var x: [[Double]]
        var y: [Double]
        var alphas: [Double]
        var coefs: [[Double]]
    }

    struct Selection: Decodable {
        var method: String
        var features: Int
        var selected: [Int]
        var explanation: [[Double]]
        var intercept: Double
        var score: Double
        var local_pred: Double
    }

    struct Kernel: Decodable {
        var kept: Int
        var total: Int
        var distance: Double
        var weight: Double
    }

    /// The fixture (``LimeFixture``).
    static func reference() throws -> Reference { try LimeFixture.reference() }

    /// The fixed neighbourhood's sums, weighted by the fixture's kernel values.
    static func moments(_ data: Deterministic) -> WeightedMoments {
        var design = BinaryDesign(columns: data.data[0].count)
        for row in data.data { design.append(oneColumns: row.indices.filter { row[$0] == 1 }) }
        return WeightedMoments(design: design, targets: data.labels, weights: data.weights)
    }

    @Test func tokensFeaturesAndMasksMatchIndexedStringAndIndexedCharacters() throws {
        let reference = try Self.reference()
        for (number, item) in reference.tokenisation.enumerated() {
            let indexed =
                if item.char_level {
                    IndexedText(characters: item.text, bow: item.bow)
                } else {
                    try IndexedText(item.text, splitExpression: try #require(item.split_expression), bow: item.bow)
                }
            let context = "case \(number): \(item.split_expression ?? "characters"), bow \(item.bow)"
            #expect(indexed.tokens == item.tokens, "\(context)")
            #expect(indexed.words == item.words, "\(context)")
            #expect(indexed.tokens.joined() == item.text, "\(context)")
            for (removed, masked) in zip(item.removed, item.masked) {
                let keep = indexed.words.indices.map { !removed.contains($0) }
                #expect(indexed.removing(keep: keep) == masked, "\(context), removing \(removed)")
            }
        }
        #expect(reference.tokenisation.count == 24)
    }

    @Test func aBadSplitExpressionIsAnErrorThatSaysWhatToChange() {
        #expect {
            try IndexedText("a b", splitExpression: "(")
        } throws: { error in
            "\(error)".contains("split_expression")
        }
        #expect {
            try LimeTextExplainer(settings: LimeSettings(samples: 10, splitExpression: "[a-"))
                .explain("a b", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 1)
        } throws: { error in
            "\(error)".hasPrefix("document d cannot be explained: the split expression \"[a-\" is not a valid")
        }
    }

    @Test func distancesAndKernelWeightsMatchScikitLearnsCosine() throws {
        let data = try Self.reference().deterministic
        for item in data.kernel {
            let distance = LimeTextExplainer.distance(kept: item.kept, total: item.total)
            #expect(abs(distance - item.distance) < 1e-9, "\(item.kept) of \(item.total)")
            #expect(abs(LimeTextExplainer.kernel(distance: distance, width: 25) - item.weight) < 1e-9)
        }
        for (row, reference) in zip(data.data, data.distances) {
            let distance = LimeTextExplainer.distance(kept: row.reduce(0, +), total: row.count)
            #expect(abs(distance - reference) < 1e-9)
        }
    }

    @Test func ridgeFitsMatchScikitLearnsRidgeWithSampleWeights() throws {
        let data = try Self.reference().deterministic
        let moments = Self.moments(data)
        for item in data.ridge {
            let fit = moments.ridge(columns: item.columns, alpha: item.alpha)
            let context = "alpha \(item.alpha), columns \(item.columns)"
            for (got, want) in zip(fit.coefficients, item.coefficients) {
                #expect(abs(got - want) < 1e-9, "\(context)")
            }
            #expect(abs(fit.intercept - item.intercept) < 1e-9, "\(context)")
            #expect(abs(fit.score - item.score) < 1e-9, "\(context)")
            #expect(abs(fit.predict(ones: fit.coefficients.indices) - item.prediction_at_ones) < 1e-9, "\(context)")
        }
        #expect(data.ridge.count == 6)
    }

    @Test func lassoPathsMatchLarsPathIncludingADrop() throws {
        let data = try Self.reference().deterministic
        for item in data.lars {
            let p = item.x[0].count
            var gram = [Double](repeating: 0, count: p * p)
            var correlations = [Double](repeating: 0, count: p)
            for (row, y) in zip(item.x, item.y) {
                for i in 0..<p {
                    correlations[i] += row[i] * y
                    for j in 0..<p { gram[i * p + j] += row[i] * row[j] }
                }
            }
            let path = LassoPath(gram: gram, correlations: correlations, samples: item.y.count)
            try #require(path.alphas.count == item.alphas.count, "\(item.name): \(path.alphas) vs \(item.alphas)")
            for (got, want) in zip(path.alphas, item.alphas) { #expect(abs(got - want) < 1e-9, "\(item.name)") }
            for (got, want) in zip(path.coefficients, item.coefs) {
                for (a, b) in zip(got, want) { #expect(abs(a - b) < 1e-9, "\(item.name): \(got) vs \(want)") }
            }
        }
        // The path with a drop: some point has fewer nonzero coefficients than the one before it.
        let drop = try #require(data.lars.last)
        let counts = drop.coefs.map { $0.filter { abs($0) > 1e-12 }.count }
        #expect(zip(counts, counts.dropFirst()).contains { $1 < $0 })
    }

    @Test func theNeighbourhoodsLassoPathIsTheCentredWeightedDatas() throws {
        let data = try Self.reference().deterministic
        let path = Self.moments(data).lassoPath()
        let reference = try #require(data.lars.first)
        try #require(path.alphas.count == reference.alphas.count)
        for (got, want) in zip(path.coefficients, reference.coefs) {
            for (a, b) in zip(got, want) { #expect(abs(a - b) < 1e-9) }
        }
    }

    @Test func everySelectionMethodPicksTheReferencesFeaturesAndSurrogate() throws {
        let data = try Self.reference().deterministic
        let moments = Self.moments(data)
        for item in data.selections {
            let method = try #require(FeatureSelection(rawValue: item.method))
            let explainer = LimeTextExplainer(settings: LimeSettings(features: item.features, featureSelection: method))
            let selected = explainer.selectFeatures(moments)
            let context = "\(item.method), \(item.features) features"
            #expect(selected == item.selected, "\(context)")
            let fit = moments.ridge(columns: selected, alpha: 1)
            let ranked = zip(selected, fit.coefficients).enumerated()
                .sorted { (abs($0.element.1), $1.offset) > (abs($1.element.1), $0.offset) }.map(\.element)
            #expect(ranked.map(\.0) == item.explanation.map { Int($0[0]) }, "\(context)")
            for (got, want) in zip(ranked, item.explanation) { #expect(abs(got.1 - want[1]) < 1e-9, "\(context)") }
            #expect(abs(fit.intercept - item.intercept) < 1e-9, "\(context)")
            #expect(abs(fit.score - item.score) < 1e-9, "\(context)")
            #expect(abs(fit.predict(ones: fit.coefficients.indices) - item.local_pred) < 1e-9, "\(context)")
        }
        // The fixture is built so that the methods disagree; otherwise this test would prove little.
        let threes = data.selections.filter { $0.features == 3 }.map(\.selected)
        #expect(Set(threes.map { $0.description }).count >= 3)
    }
}
