import ValidatedCore

extension NativeTextPipeline {
    /// Scores the perturbations of one text for an n-gram model (or one with stop words) from its word
    /// occurrences' token ids, forming the n-grams of each sample's kept tokens as its text would have them.
    struct NgramMaskedScorer: MaskedTextScorer {
        let pipeline: NativeTextPipeline
        /// Per word occurrence, in text order: the feature it belongs to.
        let featureOfOccurrence: [Int]
        /// Occurrence `k`'s tokens, stop words removed, as component ids: `ids[idStarts[k]..<idStarts[k + 1]]`.
        let idStarts: [Int]
        let ids: [Int32]
        /// The mask's tokens as component ids, in place of each removed occurrence (empty when words are deleted).
        let maskIDs: [Int32]
        var sequence: [Int32] = []
        var hits: [Int32] = []
        var row = SparseRows()

        init(pipeline: NativeTextPipeline, text: IndexedText) {
            self.pipeline = pipeline
            func componentIDs(of piece: String) -> [Int32] {
                var result: [Int32] = []
                pipeline.tokenizer.forEachToken(in: piece) { token in
                    guard !pipeline.terms.stopWords.contains(token) else { return }
                    result.append(pipeline.terms.componentIDs[token] ?? TermVocabulary.unknown)
                }
                return result
            }
            var featureOfOccurrence: [Int] = []
            var idStarts = [0]
            var ids: [Int32] = []
            for (token, feature) in zip(text.tokens, text.featureOfToken) where feature >= 0 {
                featureOfOccurrence.append(feature)
                ids.append(contentsOf: componentIDs(of: token))
                idStarts.append(ids.count)
            }
            self.featureOfOccurrence = featureOfOccurrence
            self.idStarts = idStarts
            self.ids = ids
            maskIDs = text.mask.map(componentIDs) ?? []
        }

        var classCount: Int { pipeline.classes.count }

        mutating func score(kept: KeptFeatures, into probabilities: UnsafeMutableBufferPointer<Double>) {
            sequence.removeAll(keepingCapacity: true)
            for (occurrence, feature) in featureOfOccurrence.enumerated() {
                if kept[feature] {
                    sequence.append(contentsOf: ids[idStarts[occurrence]..<idStarts[occurrence + 1]])
                } else {
                    sequence.append(contentsOf: maskIDs)
                }
            }
            hits.removeAll(keepingCapacity: true)
            pipeline.terms.forEachColumn(ofIDs: sequence) { hits.append(Int32($0)) }
            row.removeAll()
            let pipeline = pipeline
            row.appendRow(termHits: &hits) { column, count in
                pipeline.termValue(count: count, idf: pipeline.idf?[column] ?? 1)
            }
            row.normalizeLastRow(pipeline.norm)
            let scores = pipeline.probabilities(firstLayer: pipeline.firstLayerInputs(row), rows: 1)
            for (k, value) in scores.enumerated() { probabilities[k] = value }
        }
    }
}
