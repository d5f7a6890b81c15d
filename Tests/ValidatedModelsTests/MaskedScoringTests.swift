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

    static let texts = [
        "a remark capable of wounding mentally; \"the unkindest cut of all\"",
        "The Act, the ACT and act: the same term thrice (Act) and an unknown zzzqqq",
        "x", "  ;; ", "don't STOP_now 2024-11-23, Ärger über 東京",
    ]

    /// Terms of `texts` and n-grams that only removals (or masks) create, such as "remark wounding" once
    /// "capable" is gone, "act act" and "unkwordz unkwordz"; "of" and "an" are stop words.
    static let ngramVocabulary = [
        "remark", "capable", "wounding", "mentally", "the", "unkindest", "cut", "all", "act", "same", "term",
        "thrice", "and", "unknown", "don", "stop_now", "2024", "ärger", "über", "東京", "unkwordz",
        "remark capable", "capable wounding", "remark wounding", "the act", "act the", "act act", "the the",
        "term thrice", "same thrice", "and unknown", "unkwordz unkwordz", "remark unkwordz", "cut all",
        "the act the", "act and act", "ärger über 東京", "2024 11 23", "unkwordz unkwordz unkwordz",
    ]

    @Test(arguments: texts)
    func maskedScoresEqualScoresOfTheBuiltTexts(text: String) throws {
        for indexed in [IndexedText(text), try IndexedText(text, splitExpression: #"\W+"#, bow: false)] {
            try Self.checkScores(of: indexed, model: try Self.model())
        }
    }

    /// Word n-gram models: a removal joins its neighbours into n-grams the text did not have, a mask adds its own
    /// (here vocabulary) terms, and stop words vanish before n-grams form; the scorer still matches the texts.
    @Test(arguments: texts)
    func ngramModelsScoreMaskedSamplesAsTheirTexts(text: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let checkpoints = [
            TestCheckpoint.ngramModel(vocabulary: Self.ngramVocabulary, ngramRange: [1, 3], stopWords: ["of", "an"]),
            TestCheckpoint.ngramModel(
                vocabulary: Self.ngramVocabulary,
                ngramRange: [2, 2],
                hidden: 4,
                classes: 3,
                sublinear: true
            ),
            TestCheckpoint.ngramModel(vocabulary: Self.ngramVocabulary, ngramRange: [1, 1], stopWords: ["the"]),
        ]
        for (index, checkpoint) in checkpoints.enumerated() {
            let model = try #require(
                try checkpoint.load(in: directory, name: "m\(index)").classifier as? NativeTextPipeline
            )
            for indexed in [IndexedText(text), try IndexedText(text, splitExpression: #"\W+"#, bow: false)] {
                try Self.checkScores(of: indexed, model: model)
            }
        }
    }

    static func checkScores(of indexed: IndexedText, model: NativeTextPipeline) throws {
        var scorer = try #require(model.maskedScorer(for: indexed))
        #expect(scorer.classCount == model.classes.count)
        var generator = SeededGenerator(seed: 1)
        var masks = [
            [Bool](repeating: true, count: indexed.words.count), [Bool](repeating: false, count: indexed.words.count),
        ]
        for _ in 0..<30 { masks.append(indexed.words.map { _ in generator.uniform(below: 2) == 0 }) }
        let expected = try model.predictProbabilities(masks.map { indexed.removing(keep: $0) })
        var got = [Double](repeating: .nan, count: model.classes.count)
        var distinct = Set<[Double]>()
        for (row, mask) in masks.enumerated() {
            let words = stride(from: 0, to: mask.count, by: 64).map { start in
                (start..<min(start + 64, mask.count)).reduce(UInt64(0)) { mask[$1] ? $0 | 1 << UInt64($1 - start) : $0 }
            }
            words.withUnsafeBufferPointer { words in
                got.withUnsafeMutableBufferPointer { scorer.score(kept: KeptFeatures(words: words), into: $0) }
            }
            for k in got.indices { #expect(abs(got[k] - expected[row, k]) < 1e-12, "\(mask)") }
            distinct.insert(got)
        }
        // The samples are told apart as their texts are (a scorer ignoring the mask would give one row).
        let expectedDistinct = Set((0..<expected.rows).map { row in (0..<expected.columns).map { expected[row, $0] } })
        #expect(distinct.count == expectedDistinct.count)
    }

    @Test func textsWhoseRemovalsChangeTheirNeighboursHaveNoShortcut() throws {
        let model = try Self.model()
        // "the" is a vocabulary term: masking with it adds counts the shortcut does not know.
        #expect(
            model.maskedScorer(
                for: try IndexedText("good film", splitExpression: #"\W+"#, bow: false, maskString: "the")
            ) == nil
        )
        #expect(model.maskedScorer(for: try IndexedText("good film", splitExpression: #"\W+"#, bow: false)) != nil)
        #expect(model.maskedScorer(for: IndexedText(characters: "good film")) == nil)
        #expect(model.maskedScorer(for: try IndexedText("good-film bad", splitExpression: " ")) != nil)
        #expect(model.maskedScorer(for: try IndexedText("good_film bad", splitExpression: "_")) == nil)
        #expect(model.maskedScorer(for: IndexedText("ΟΔΟΣ.Α")) == nil)
    }
}
