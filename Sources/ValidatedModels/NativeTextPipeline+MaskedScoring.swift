import Foundation
import ValidatedCore

extension NativeTextPipeline: MaskedTextScoring {
    /// Scores LIME's bag-of-words perturbations of `text` from the kept words' token counts.
    ///
    /// Removing a word deletes its occurrences and leaves the separators, so when separators hold no word
    /// character and no two words touch, the perturbed text's tokens are exactly the kept words' own tokens
    /// (the default token pattern never spans a non-word character), in order, with the mask's tokens in place of
    /// each removed occurrence when words are masked (`bow=false`). Each word occurrence is tokenised once.
    ///
    /// For a unigram model without stop words a sample then costs one pass over the text's distinct terms: a
    /// mask is allowed when none of its tokens is in the vocabulary (as for `UNKWORDZ`). For an n-gram model,
    /// where a removal joins its neighbours into new n-grams ("a b c" without `b` has the bigram "a c"), a sample
    /// walks the kept tokens' ids through the vocabulary's trie (``TermVocabulary``) and is scored as its text
    /// would be. Returns `nil`, so that LIME builds the texts, for a custom token pattern, a mask with vocabulary
    /// terms (unigram models), words that touch (character level), separators with word characters, and text
    /// holding a capital sigma (whose lowercase depends on its neighbours).
    public func maskedScorer(for text: IndexedText) -> (any MaskedTextScorer)? {
        guard tokenizer.splitsWordRuns else { return nil }
        if let mask = text.mask, mask.unicodeScalars.contains("\u{03A3}") { return nil }
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
        guard terms.isUnigramOnly else { return NgramMaskedScorer(pipeline: self, text: text) }
        if let mask = text.mask {
            var known = false
            tokenizer.forEachToken(in: mask) { if terms.columns[$0] != nil { known = true } }
            if known { return nil }
        }
        var localOfColumn: [Int: Int] = [:]
        var columns: [Int] = []
        var countsOfFeature = [[Int: Double]](repeating: [:], count: text.words.count)
        for (token, feature) in zip(text.tokens, text.featureOfToken) where feature >= 0 {
            tokenizer.forEachToken(in: token) { term in
                guard let column = terms.columns[term] else { return }
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
        enum Norm { case l1, l2, none }

        let pipeline: NativeTextPipeline
        /// Feature `f`'s local term counts are `entries[starts[f]..<starts[f + 1]]`.
        let starts: [Int]
        let entries: [(local: Int, count: Double)]
        /// Per local term: its IDF (1 without), and its first-layer weights, `outputs` apiece.
        let idf: [Double]
        let weights: [Double]
        let outputs: Int
        let norm: Norm
        let bias: [Double]
        /// One linear layer into a binary logistic output: the probabilities need no other layer.
        let isLogistic: Bool
        /// When no term is shared by two features (nor so its count by their kept subsets), each feature's
        /// TF-IDF values are fixed, so a sample's logit numerator and norm are sums over its kept features:
        /// feature `f` adds `featureLogits[f]` (the first-layer output of its values, logistic case only) and
        /// `featureNorms[f]` (its values' squares or absolute values).
        let featureLogits: [Double]?
        let featureNorms: [Double]
        var counts: [Double]
        var activations: [Double]

        init(pipeline: NativeTextPipeline, columns: [Int], starts: [Int], entries: [(local: Int, count: Double)]) {
            let first = pipeline.layers[0]
            self.pipeline = pipeline
            self.starts = starts
            self.entries = entries
            idf = columns.map { pipeline.idf?[$0] ?? 1 }
            outputs = first.outputs
            weights = columns.flatMap { first.columns[($0 * first.outputs)..<(($0 + 1) * first.outputs)] }
            norm = pipeline.norm == "l2" ? .l2 : (pipeline.norm == "l1" ? .l1 : .none)
            bias = first.bias
            isLogistic =
                pipeline.layers.count == 1 && first.activation == .identity && pipeline.output == .binaryLogistic
            counts = [Double](repeating: 0, count: columns.count)
            activations = first.bias
            var owners = [Int](repeating: 0, count: columns.count)
            for feature in 0..<(starts.count - 1) {
                for entry in entries[starts[feature]..<starts[feature + 1]] { owners[entry.local] += 1 }
            }
            var logits: [Double] = []
            var norms: [Double] = []
            for feature in 0..<(starts.count - 1) {
                var logit = 0.0
                var size = 0.0
                for entry in entries[starts[feature]..<starts[feature + 1]] {
                    let value = pipeline.termValue(count: entry.count, idf: idf[entry.local])
                    logit += value * weights[entry.local * outputs]
                    size += norm == .l1 ? abs(value) : value * value
                }
                logits.append(logit)
                norms.append(size)
            }
            featureLogits = isLogistic && owners.allSatisfy { $0 <= 1 } ? logits : nil
            featureNorms = norms
        }

        var classCount: Int { pipeline.classes.count }

        /// The sums of `logits` and of `norms` over the kept features, each in four interleaved partial sums so
        /// that consecutive additions do not wait on each other (feature `f` in sum `f % 4`, the features after
        /// the last whole four in the first), without a branch on the (random) bits: each four features' bits pick
        /// their 0 and 1 factors from ``flagsOfNibble``.
        static func keptSums(_ kept: KeptFeatures, _ logits: [Double], _ norms: [Double]) -> (Double, Double) {
            var l = SIMD4<Double>()
            var n = SIMD4<Double>()
            let flagsOfNibble = flagsOfNibble
            logits.withUnsafeBytes { logits in
                norms.withUnsafeBytes { norms in
                    let count = logits.count / MemoryLayout<Double>.stride
                    let whole = count & ~3
                    let step = MemoryLayout<SIMD4<Double>>.size
                    for f in stride(from: 0, to: whole, by: 4) {
                        let nibble = kept.words[f &>> 6] &>> UInt64(truncatingIfNeeded: f & 63) & 15
                        let k = flagsOfNibble[Int(truncatingIfNeeded: nibble)]
                        l += k * logits.loadUnaligned(fromByteOffset: f / 4 * step, as: SIMD4<Double>.self)
                        n += k * norms.loadUnaligned(fromByteOffset: f / 4 * step, as: SIMD4<Double>.self)
                    }
                    for f in whole..<count {
                        let k: Double = kept[f] ? 1 : 0
                        l[0] += k * logits.load(fromByteOffset: f * 8, as: Double.self)
                        n[0] += k * norms.load(fromByteOffset: f * 8, as: Double.self)
                    }
                }
            }
            return ((l[0] + l[1]) + (l[2] + l[3]), (n[0] + n[1]) + (n[2] + n[3]))
        }

        /// For each four bits, their values as four 0 or 1 factors, the lowest bit first.
        static let flagsOfNibble: [SIMD4<Double>] = (0..<16).map { bits in
            SIMD4((0..<4).map { Double(bits >> $0 & 1) })
        }

        mutating func score(kept: KeptFeatures, into probabilities: UnsafeMutableBufferPointer<Double>) {
            if let featureLogits {
                let (logit, size) = Self.keptSums(kept, featureLogits, featureNorms)
                let scale = norm == .l2 ? size.squareRoot() : (norm == .l1 ? size : 1)
                let p = NativeTextPipeline.sigmoid(bias[0] + (scale > 0 ? logit / scale : 0))
                probabilities[0] = 1 - p
                probabilities[1] = p
                return
            }
            let pipeline = pipeline
            let norm = norm
            let outputs = outputs
            let scale: Double = counts.withUnsafeMutableBufferPointer { counts in
                for j in counts.indices { counts[j] = 0 }
                entries.withUnsafeBufferPointer { entries in
                    for feature in 0..<(starts.count - 1) where kept[feature] {
                        for e in starts[feature]..<starts[feature + 1] { counts[entries[e].local] += entries[e].count }
                    }
                }
                // TF-IDF values, left in `counts`, and their norm.
                var total = 0.0
                idf.withUnsafeBufferPointer { idf in
                    for j in counts.indices where counts[j] > 0 {
                        let value = pipeline.termValue(count: counts[j], idf: idf[j])
                        counts[j] = value
                        total += norm == .l1 ? abs(value) : value * value
                    }
                }
                switch norm {
                case .l2: return total.squareRoot()
                case .l1: return total
                case .none: return 1
                }
            }
            activations.withUnsafeMutableBufferPointer { activations in
                for o in 0..<outputs { activations[o] = bias[o] }
                guard scale > 0 else { return }
                counts.withUnsafeBufferPointer { counts in
                    weights.withUnsafeBufferPointer { weights in
                        for j in counts.indices where counts[j] != 0 {
                            let x = counts[j] / scale
                            for o in 0..<outputs { activations[o] += x * weights[j * outputs + o] }
                        }
                    }
                }
            }
            if isLogistic {
                let p = NativeTextPipeline.sigmoid(activations[0])
                probabilities[0] = 1 - p
                probabilities[1] = p
                return
            }
            for (k, value) in pipeline.probabilities(firstLayer: activations, rows: 1).enumerated() {
                probabilities[k] = value
            }
        }
    }
}
