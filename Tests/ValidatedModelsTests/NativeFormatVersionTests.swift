import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// Format versions 1 and 2 side by side: version-2 features in a file declaring version 1 are refused by name,
/// and the version-2 additions mean what `docs/model-format.md` says.
@Suite struct NativeFormatVersionTests {
    static let vocabulary = ["good", "film", "bad", "good film", "not good", "not"]

    static func refusal(_ checkpoint: TestCheckpoint) throws -> String? {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            _ = try checkpoint.load(in: directory)
            return nil
        } catch let error as ModelError {
            return error.reason
        }
    }

    @Test func versionTwoFeaturesInAVersionOneFileAreRefusedByField() throws {
        var ngrams = TestCheckpoint.ngramModel(vocabulary: Self.vocabulary, ngramRange: [1, 2])
        ngrams.formatVersion = "1"
        #expect(
            try Self.refusal(ngrams)
                == #"tokenizer.ngram_range [1, 2] needs format_version 2, but the file declares 1; write "format_version": "2""#
        )
        var stopWords = TestCheckpoint.ngramModel(vocabulary: Self.vocabulary, ngramRange: [1, 1], stopWords: ["the"])
        stopWords.formatVersion = "1"
        #expect(try Self.refusal(stopWords)?.hasPrefix("tokenizer.stop_words needs format_version 2") == true)
        var unigrams = TestCheckpoint.ngramModel(vocabulary: Self.vocabulary, ngramRange: [1, 1])
        unigrams.formatVersion = "1"
        #expect(try Self.refusal(unigrams) == nil)
        unigrams.formatVersion = "3"
        #expect(
            try Self.refusal(unigrams)
                == "__metadata__.format_version 3 is not supported; this build reads versions 1 and 2"
        )
    }

    @Test(arguments: [[2, 1], [0, 2], [1]])
    func invalidNgramRangesAreRefused(range: [Int]) throws {
        #expect(
            try Self.refusal(.ngramModel(vocabulary: Self.vocabulary, ngramRange: range))
                == "tokenizer.ngram_range \(range) is invalid; give [min_n, max_n] with 1 <= min_n <= max_n"
        )
    }

    /// "not good film": with (1, 2) the bigrams "not good" and "good film" count beside the words; "the" as a stop
    /// word vanishes first, so "not the good" also has the bigram "not good".
    @Test func ngramsAndStopWordsCountAsScikitLearnForms() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var checkpoint = TestCheckpoint.ngramModel(vocabulary: Self.vocabulary, ngramRange: [1, 2], stopWords: ["the"])
        checkpoint.pipeline["weighting"] = ["kind": "count", "norm": NSNull()]
        // Term i adds 2^i / 100 to the logit, so the logit spells out which terms were counted how often.
        checkpoint.tensors["out.weight"] = ([1, 6], [1, 2, 4, 8, 16, 32].map { $0 / 100 })
        checkpoint.tensors["out.bias"] = ([1], [0])
        let model = try checkpoint.load(in: directory).classifier
        let scores = try model.predictProbabilities(["not good film", "Not the GOOD", "film not", "bad bad"])
        let sums = scores.column(1).map { (100 * Foundation.log($0 / (1 - $0))).rounded() }
        let expected: [Double] = [32 + 1 + 2 + 16 + 8, 32 + 1 + 16, 2 + 32, 4 + 4]
        #expect(sums == expected)
    }

    /// A three-class sigmoid-calibrated SVM of two folds: per fold, one logistic unit per class divided by their
    /// sum; the folds' shares averaged.
    @Test func groupNormalizedMeanAveragesEachGroupsShares() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var checkpoint = TestCheckpoint.ngramModel(vocabulary: Self.vocabulary, ngramRange: [1, 1], classes: 3)
        checkpoint.pipeline["weighting"] = ["kind": "count", "norm": NSNull()]
        checkpoint.pipeline["layers"] = [["weight": "units.weight", "bias": "units.bias", "activation": "logistic"]]
        checkpoint.pipeline["output"] = "group-normalized-mean"
        checkpoint.pipeline["output_groups"] = 2
        // Only "good" (column 0) has weights: unit u gets u - 2 per occurrence, on a bias of -u / 4.
        var weights = [Double](repeating: 0, count: 36)
        for unit in 0..<6 { weights[unit * 6] = Double(unit - 2) }
        let biases: [Double] = (0..<6).map { unit in -Double(unit) / 4 }
        checkpoint.tensors = ["units.weight": ([6, 6], weights), "units.bias": ([6], biases)]
        let model = try checkpoint.load(in: directory).classifier
        let scores = try model.predictProbabilities(["good good", ""])
        func sigmoid(_ z: Double) -> Double { 1 / (1 + Foundation.exp(-z)) }
        for (row, count) in [2.0, 0].enumerated() {
            let units: [Double] = (0..<6).map { unit in sigmoid(Double(unit - 2) * count - Double(unit) / 4) }
            let first = units[0..<3].reduce(0, +)
            let second = units[3..<6].reduce(0, +)
            for k in 0..<3 {
                let expected = (units[k] / first + units[3 + k] / second) / 2
                #expect(abs(scores[row, k] - expected) < 1e-15)
            }
        }
        checkpoint.formatVersion = "1"
        #expect(
            try Self.refusal(checkpoint)?.hasPrefix(#"output "group-normalized-mean" needs format_version 2"#) == true
        )
        checkpoint.formatVersion = "2"
        checkpoint.pipeline["output_groups"] = 3
        #expect(
            try Self.refusal(checkpoint)
                == "output group-normalized-mean needs output_groups (3) × classes (3) outputs, found 6"
        )
    }

    /// A sigmoid-calibrated SVM of two folds: a logistic unit per fold, their mean read as P(positive).
    @Test func binaryProbabilityTakesTheLastValueAsThePositiveClass() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var checkpoint = TestCheckpoint.ngramModel(vocabulary: Self.vocabulary, ngramRange: [1, 1])
        checkpoint.pipeline["weighting"] = ["kind": "count", "norm": NSNull()]
        checkpoint.pipeline["layers"] = [
            ["weight": "folds.weight", "bias": "folds.bias", "activation": "logistic"],
            ["weight": "mean.weight", "bias": "mean.bias", "activation": "identity"],
        ]
        checkpoint.pipeline["output"] = "binary-probability"
        checkpoint.tensors = [
            "folds.weight": ([2, 6], [2, 0, -1, 0, 0, 0, 1, 0, -3, 0, 0, 0]),
            "folds.bias": ([2], [-0.5, 0.25]),
            "mean.weight": ([1, 2], [0.5, 0.5]),
            "mean.bias": ([1], [0]),
        ]
        let model = try checkpoint.load(in: directory).classifier
        let scores = try model.predictProbabilities(["good", "bad", ""])
        func sigmoid(_ z: Double) -> Double { 1 / (1 + Foundation.exp(-z)) }
        let expected = [
            (sigmoid(1.5) + sigmoid(1.25)) / 2, (sigmoid(-1.5) + sigmoid(-2.75)) / 2,
            (sigmoid(-0.5) + sigmoid(0.25)) / 2,
        ]
        for (row, p) in expected.enumerated() {
            #expect(abs(scores[row, 1] - p) < 1e-15 && abs(scores[row, 0] - (1 - p)) < 1e-15)
        }
        checkpoint.formatVersion = "1"
        #expect(try Self.refusal(checkpoint)?.hasPrefix(#"output "binary-probability" needs format_version 2"#) == true)
        checkpoint.formatVersion = "2"
        checkpoint.tensors["mean.weight"] = ([2, 2], [0.5, 0.5, 0.5, 0.5])
        checkpoint.tensors["mean.bias"] = ([2], [0, 0])
        #expect(
            try Self.refusal(checkpoint)
                == "output binary-probability needs a last layer with 1 output and 2 classes, found 2 and 2"
        )
    }
}
