/// Shortcuts the banned list does not name (pure): leave-one-token-out over evaluation documents gives the tokens
/// the model leans on, and an exact binomial test of each token's label skew in the whole evaluation set
/// (Gardner et al. 2021, "Competency problems": p(label | token) against the base rate, Benjamini–Hochberg
/// corrected) says which of them a shortcut could explain.
struct ShortcutSearch: Sendable {
    /// One text with one token left out.
    struct Probe: Sendable, Equatable {
        /// The evaluation row.
        var row: Int
        /// The token, lowercased.
        var token: String
        /// The row's text without every occurrence of the token (any case).
        var text: String
    }

    /// The texts to score: every distinct lowercased word of each of `rows`, left out.
    let probes: [Probe]
    /// Documents a token must be left out of before its effect counts.
    static let minimumLeftOut = 3

    /// The probes of `rows` of `documents`, cut into words as `lime` cuts them.
    init(rows: [Int], documents: [LabeledDocument], lime: LimeSettings) {
        var probes: [Probe] = []
        for row in rows {
            guard let indexed = try? lime.indexedText(documents[row].text) else { continue }
            var seen: Set<String> = []
            for word in indexed.words where seen.insert(word.lowercased()).inserted {
                let token = word.lowercased()
                let text = indexed.removing(keep: indexed.words.map { $0.lowercased() != token })
                probes.append(Probe(row: row, token: token, text: text))
            }
        }
        self.probes = probes
    }

    /// Every token's leave-one-out effect: its mean shift, mean |shift| and the rows it moved most.
    func effects(before: [Double], after: [Double]) -> [String: (shifts: [Double], rows: [Int])] {
        var effects: [String: (shifts: [Double], rows: [Int])] = [:]
        for (probe, shifted) in zip(probes, after) {
            effects[probe.token, default: ([], [])].shifts.append(shifted - before[probe.row])
            effects[probe.token, default: ([], [])].rows.append(probe.row)
        }
        return effects
    }

    /// The candidate shortcuts: tokens whose mean |leave-one-out shift| reaches ``CounterfactualSettings/candidateShift``
    /// and whose label skew's q-value is below ``CounterfactualSettings/candidateQ``, strongest first.
    ///
    /// - Parameter words: Every evaluation document's words (LIME's features), for the label skew.
    static func candidates(
        effects: [String: (shifts: [Double], rows: [Int])],
        documents: [LabeledDocument],
        words: [[String]],
        settings: CounterfactualSettings
    ) -> [CounterfactualReport.Candidate] {
        let skews = labelSkews(documents: documents, words: words, minimum: settings.candidateMinDocuments)
        let baseRate = Double(documents.filter(\.isPositive).count) / Double(max(documents.count, 1))
        let found: [CounterfactualReport.Candidate] = effects.compactMap { token, effect in
            guard effect.shifts.count >= minimumLeftOut, let skew = skews[token], skew.q < settings.candidateQ else {
                return nil
            }
            let absolute = effect.shifts.map(abs)
            let meanAbs = absolute.reduce(0, +) / Double(absolute.count)
            guard meanAbs >= settings.candidateShift else { return nil }
            let examples = zip(effect.rows, absolute).sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3)
            return CounterfactualReport.Candidate(
                token: token,
                documents: effect.shifts.count,
                meanShift: effect.shifts.reduce(0, +) / Double(effect.shifts.count),
                meanAbsShift: meanAbs,
                labelDocuments: skew.documents,
                positiveRate: Double(skew.positives) / Double(skew.documents),
                baseRate: baseRate,
                pValue: skew.p,
                qValue: skew.q,
                examples: examples.map { documents[$0.0].id }
            )
        }
        return found.sorted { ($0.meanAbsShift, $1.token) > ($1.meanAbsShift, $0.token) }
            .prefix(settings.reportCandidates).map { $0 }
    }

    /// Each token held by at least `minimum` documents: its documents, their positives, and the exact binomial
    /// p-value of that count against the base rate with its Benjamini–Hochberg q-value over all such tokens.
    static func labelSkews(
        documents: [LabeledDocument],
        words: [[String]],
        minimum: Int
    ) -> [String: (documents: Int, positives: Int, p: Double, q: Double)] {
        var counts: [String: (documents: Int, positives: Int)] = [:]
        for (document, list) in zip(documents, words) {
            for token in Set(list.map { $0.lowercased() }) {
                counts[token, default: (0, 0)].documents += 1
                if document.isPositive { counts[token, default: (0, 0)].positives += 1 }
            }
        }
        let baseRate = Double(documents.filter(\.isPositive).count) / Double(max(documents.count, 1))
        let tested = counts.filter { $0.value.documents >= minimum }.sorted { $0.key < $1.key }
        let p = tested.map {
            IntervalStatistics.binomialTwoSided(
                successes: $0.value.positives,
                trials: $0.value.documents,
                rate: baseRate
            )
        }
        let q = IntervalStatistics.benjaminiHochberg(p)
        return Dictionary(
            uniqueKeysWithValues: tested.indices.map {
                (tested[$0].key, (tested[$0].value.documents, tested[$0].value.positives, p[$0], q[$0]))
            }
        )
    }
}
