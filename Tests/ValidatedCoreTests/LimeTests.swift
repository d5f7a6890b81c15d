import Foundation
import Testing
import ValidatedCore

/// P(1) = sigmoid(3·[contains "good"] − 3·[contains "bad"]), a model whose reasons are known.
struct KeywordClassifier: TextClassifier {
    var classes: [String] { ["0", "1"] }
    var positive = "good"
    var negative = "bad"

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        var values: [Double] = []
        for text in texts {
            let words = Set(IndexedText(text).words)
            let z = 3.0 * (words.contains(positive) ? 1 : 0) - 3.0 * (words.contains(negative) ? 1 : 0)
            let p = 1 / (1 + exp(-z))
            values += [1 - p, p]
        }
        return ProbabilityMatrix(rows: texts.count, columns: 2, values: values)
    }
}

struct FailingClassifier: TextClassifier {
    struct Broken: Error {}
    var classes: [String] { ["0", "1"] }
    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix { throw Broken() }
}

@Suite struct IndexedTextTests {
    @Test(arguments: ["Posting-Host: nntp.cs.example.edu", "don't  stop, ok?", "Ärger über 東京 ½!", "", "   ", "a"])
    func tokensJoinBackToTheText(text: String) {
        #expect(IndexedText(text).tokens.joined() == text)
    }

    @Test func wordsAreDistinctCaseSensitiveAndInFirstOccurrenceOrder() {
        let text = IndexedText("Host host, don't host")
        #expect(text.words == ["Host", "host", "don", "t"])
        #expect(text.removing(keep: [true, false, true, true]) == "Host , don't ")
    }
}

@Suite struct LimeTests {
    @Test func distancesAndKernelMatchTheClosedForm() {
        // Reference values computed with Python's math module from lime's formulas.
        for (kept, total, d, w) in [
            (9, 10, 5.131670194948623, 0.9791531327244603), (5, 10, 29.28932188134524, 0.5034396167555495),
            (1, 10, 68.3772233983162, 0.023745654260945617),
        ] {
            #expect(abs(LimeTextExplainer.distance(kept: kept, total: total) - d) < 1e-9)
            #expect(abs(LimeTextExplainer.kernel(distance: d, width: 25) - exp(-d * d / 1250)) < 1e-12)
            #expect(abs(LimeTextExplainer.kernel(distance: d, width: 25) - w) < 1e-9)
        }
        #expect(LimeTextExplainer.distance(kept: 0, total: 7) == 100)
        #expect(LimeTextExplainer.distance(kept: 7, total: 7) == 0)
    }

    @Test func weightedRidgeMatchesTheNormalEquations() {
        // One feature: β = Sxy/(Sxx + α) on weighted-centred data, b = ȳ − β x̄.
        let active: [[Int]] = [[0], [], [0], [], [0]]
        let y = [1.0, 0.2, 0.9, 0.1, 0.7]
        let w = [1.0, 0.5, 2.0, 1.5, 0.25]
        let fit = WeightedRidge(activeColumns: active, columns: 1, targets: y, weights: w, alpha: 1)
        let x = active.map { $0.isEmpty ? 0.0 : 1.0 }
        let sw = w.reduce(0, +)
        let mx = zip(w, x).map(*).reduce(0, +) / sw
        let my = zip(w, y).map(*).reduce(0, +) / sw
        let sxx = (0..<5).map { w[$0] * (x[$0] - mx) * (x[$0] - mx) }.reduce(0, +)
        let sxy = (0..<5).map { w[$0] * (x[$0] - mx) * (y[$0] - my) }.reduce(0, +)
        let beta = sxy / (sxx + 1)
        #expect(abs(fit.coefficients[0] - beta) < 1e-12)
        #expect(abs(fit.intercept - (my - beta * mx)) < 1e-12)
    }

    @Test func weightedRidgeWithoutPenaltyRecoversAnExactLinearModel() {
        var active: [[Int]] = []
        var y: [Double] = []
        for mask in 0..<8 {
            let columns = (0..<3).filter { mask & (1 << $0) != 0 }
            active.append(columns)
            y.append(0.5 + columns.map { [0.3, -0.2, 0.1][$0] }.reduce(0, +))
        }
        let fit = WeightedRidge(activeColumns: active, columns: 3, targets: y, weights: (0..<8).map { 1 + Double($0) / 8 }, alpha: 0)
        for (got, want) in zip(fit.coefficients, [0.3, -0.2, 0.1]) { #expect(abs(got - want) < 1e-9) }
        #expect(abs(fit.intercept - 0.5) < 1e-9)
        #expect(abs(fit.score - 1) < 1e-9)
    }

    @Test func theExplanationNamesTheModelsReasons() throws {
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 1000))
        let text = "a good film with a bad ending and some music"
        let explanation = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 1)
        let good = try #require(explanation.weights.first { $0.feature == "good" })
        let bad = try #require(explanation.weights.first { $0.feature == "bad" })
        #expect(explanation.weights.first?.feature == "good" || explanation.weights.first?.feature == "bad")
        #expect(good.weight > 0.2)
        #expect(bad.weight < -0.2)
        for other in explanation.weights where !["good", "bad"].contains(other.feature) {
            #expect(abs(other.weight) < 0.05, "\(other.feature) should not matter")
        }
        #expect(explanation.score > 0.8)
        #expect(abs(explanation.prediction - 0.5) < 1e-12)
    }

    @Test func theSameSeedReproducesAndAnotherSeedDiffers() throws {
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 500))
        let text = "good bad ugly words in a row"
        let a = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 7)
        let b = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 7)
        let c = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 8)
        #expect(a == b)
        #expect(a.weights != c.weights)
        #expect(ExplanationSeed.derive(modelSHA256: "ab", documentID: "d", seedIndex: 0)
            != ExplanationSeed.derive(modelSHA256: "ab", documentID: "d", seedIndex: 1))
    }

    @Test func aTextWithoutWordsCannotBeExplained() {
        #expect(throws: ExplanationError.self) {
            try LimeTextExplainer().explain(" ;; ", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 1)
        }
    }
}
