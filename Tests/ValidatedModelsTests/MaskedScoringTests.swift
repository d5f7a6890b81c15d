import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// The native pipeline's LIME shortcut scores every perturbation as scoring its text would.
@Suite struct NativeMaskedScoringTests {
    static func model() throws -> NativeTextPipeline {
        let loaded = try ModelLoader().load(Fixtures.url("lime/model.safetensors").path)
        return try #require(loaded.classifier as? NativeTextPipeline)
    }

    @Test(arguments: [
        "a remark capable of wounding mentally; \"the unkindest cut of all\"",
        "The Act, the ACT and act: the same term thrice (Act) and an unknown zzzqqq",
        "x", "  ;; ", "don't STOP_now 2024-11-23, Ärger über 東京",
    ])
    func maskedScoresEqualScoresOfTheBuiltTexts(text: String) throws {
        for indexed in [IndexedText(text), try IndexedText(text, splitExpression: #"\W+"#, bow: false)] {
            try Self.checkScores(of: indexed)
        }
    }

    static func checkScores(of indexed: IndexedText) throws {
        let model = try Self.model()
        var scorer = try #require(model.maskedScorer(for: indexed))
        #expect(scorer.classCount == 2)
        var generator = SeededGenerator(seed: 1)
        var masks = [[Bool](repeating: true, count: indexed.words.count), [Bool](repeating: false, count: indexed.words.count)]
        for _ in 0..<30 { masks.append(indexed.words.map { _ in generator.uniform(below: 2) == 0 }) }
        let expected = try model.predictProbabilities(masks.map { indexed.removing(keep: $0) })
        var got = [0.0, 0.0]
        for (row, mask) in masks.enumerated() {
            mask.withUnsafeBufferPointer { keep in got.withUnsafeMutableBufferPointer { scorer.score(keep: keep, into: $0) } }
            #expect(abs(got[0] - expected[row, 0]) < 1e-12 && abs(got[1] - expected[row, 1]) < 1e-12, "\(mask)")
        }
    }

    @Test func textsWhoseRemovalsChangeTheirNeighboursHaveNoShortcut() throws {
        let model = try Self.model()
        // "the" is a vocabulary term: masking with it adds counts the shortcut does not know.
        #expect(model.maskedScorer(for: try IndexedText("good film", splitExpression: #"\W+"#, bow: false, maskString: "the")) == nil)
        #expect(model.maskedScorer(for: try IndexedText("good film", splitExpression: #"\W+"#, bow: false)) != nil)
        #expect(model.maskedScorer(for: IndexedText(characters: "good film")) == nil)
        #expect(model.maskedScorer(for: try IndexedText("good-film bad", splitExpression: " ")) != nil)
        #expect(model.maskedScorer(for: try IndexedText("good_film bad", splitExpression: "_")) == nil)
        #expect(model.maskedScorer(for: IndexedText("ΟΔΟΣ.Α")) == nil)
    }
}
