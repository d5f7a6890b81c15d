import Foundation
import ValidatedCore

extension NativeTextPipeline: MaskedTextScoring {
    /// Scores LIME's bag-of-words perturbations of `text` from the kept words' token counts.
    ///
    /// Removing a word deletes its occurrences and leaves the separators, so when separators hold no word
    /// character and no two words touch, the perturbed text's tokens are exactly the kept words' own tokens
    /// (the default token pattern never spans a non-word character). Each word's vocabulary counts are found
    /// once; a sample then costs one pass over the text's distinct terms instead of a new string and a new
    /// tokenisation. Returns `nil`, so that LIME builds the texts, for masked (`bow=false`) texts, a custom token
    /// pattern, words that touch (character level), separators with word characters, and text holding a
    /// capital sigma (whose lowercase depends on its neighbours).
    public func maskedScorer(for text: IndexedText) -> (any MaskedTextScorer)? {
        guard text.mask == nil, tokenizer.splitsWordRuns else { return nil }
        if tokenizer.lowercase, text.tokens.contains(where: { $0.unicodeScalars.contains("\u{03A3}") }) { return nil }
        var previousIsWord = false
        for (token, feature) in zip(text.tokens, text.featureOfToken) {
            if feature >= 0 {
                if previousIsWord { return nil }
                previousIsWord = true
            } else {
                if token.unicodeScalars.contains(where: IndexedText.isWordCharacter) { return nil }
                previousIsWord = false
            }
        }
        var localOfColumn: [Int: Int] = [:]
        var columns: [Int] = []
        var countsOfFeature = [[Int: Double]](repeating: [:], count: text.words.count)
        for (token, feature) in zip(text.tokens, text.featureOfToken) where feature >= 0 {
            tokenizer.forEachToken(in: token) { term in
                guard let column = vocabulary[term] else { return }
                let local = localOfColumn[column] ?? columns.count
                if local == columns.count {
                    localOfColumn[column] = local
                    columns.append(column)
                }
                countsOfFeature[feature][local, default: 0] += 1
            }
        }
        var starts = [0]
        var entries: [(local: Int, count: Double)] = []
        for counts in countsOfFeature {
            entries.append(contentsOf: counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            starts.append(entries.count)
        }
        return MaskedScorer(pipeline: self, columns: columns, starts: starts, entries: entries)
    }

    /// The counts of one text's terms, per feature, and scratch space for one sample.
    struct MaskedScorer: MaskedTextScorer {
        let pipeline: NativeTextPipeline
        /// The vocabulary columns the text's words reach, by local index.
        let columns: [Int]
        /// Feature `f`'s local term counts are `entries[starts[f]..<starts[f + 1]]`.
        let starts: [Int]
        let entries: [(local: Int, count: Double)]
        var counts: [Double]
        var activations: [Double]

        init(pipeline: NativeTextPipeline, columns: [Int], starts: [Int], entries: [(local: Int, count: Double)]) {
            self.pipeline = pipeline
            self.columns = columns
            self.starts = starts
            self.entries = entries
            counts = [Double](repeating: 0, count: columns.count)
            activations = pipeline.layers[0].bias
        }

        var classCount: Int { pipeline.classes.count }

        mutating func score(keep: UnsafeBufferPointer<Bool>, into probabilities: UnsafeMutableBufferPointer<Double>) {
            for j in counts.indices { counts[j] = 0 }
            for feature in 0..<(starts.count - 1) where keep[feature] {
                for entry in entries[starts[feature]..<starts[feature + 1]] { counts[entry.local] += entry.count }
            }
            // TF-IDF values, left in `counts`, and their norm.
            var norm = 0.0
            for j in counts.indices where counts[j] > 0 {
                var value = pipeline.binary ? 1 : (pipeline.sublinearTF ? 1 + Foundation.log(counts[j]) : counts[j])
                if let idf = pipeline.idf { value *= idf[columns[j]] }
                counts[j] = value
                norm += pipeline.norm == "l1" ? abs(value) : value * value
            }
            let scale = pipeline.norm == "l2" ? norm.squareRoot() : (pipeline.norm == "l1" ? norm : 1)
            let first = pipeline.layers[0]
            for o in 0..<first.outputs { activations[o] = first.bias[o] }
            if scale > 0 {
                for j in counts.indices where counts[j] != 0 {
                    let x = counts[j] / scale
                    let base = columns[j] * first.outputs
                    for o in 0..<first.outputs { activations[o] += x * pipeline.firstLayerColumns[base + o] }
                }
            }
            if pipeline.layers.count == 1, first.activation == .identity, pipeline.output == .binaryLogistic {
                let p = NativeTextPipeline.sigmoid(activations[0])
                probabilities[0] = 1 - p
                probabilities[1] = p
                return
            }
            for (k, value) in pipeline.probabilities(firstLayer: activations).enumerated() { probabilities[k] = value }
        }
    }
}
