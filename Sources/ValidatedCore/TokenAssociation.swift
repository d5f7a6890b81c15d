import Foundation

/// Theil's uncertainty coefficient of a contingency table: how much knowing the row tells about the column.
///
/// For a table of counts `n[r][c]` (rows: the values of the condition Y, columns: the values of the outcome X),
/// `U(X|Y) = (H(X) − H(X|Y)) / H(X)`, with `H(X) = −Σ_c p(c) ln p(c)` and
/// `H(X|Y) = Σ_r p(r) · H(X | Y = r)`. It lies in [0, 1]: 0 when the row says nothing about the column, 1 when it
/// decides it. It is asymmetric (`U(X|Y) ≠ U(Y|X)`), and a row value that is rare bounds it: a token in few
/// documents cannot explain much of the predictions' uncertainty, however pure its documents are.
public enum TheilsU {
    /// `U(column | row)` of `table`, rows by columns. A table whose column totals have no uncertainty
    /// (`H(X) = 0`: every count in one column, or no counts) gives 0: there is nothing to explain.
    public static func coefficient(_ table: [[Int]]) -> Double {
        let columns = table.map(\.count).max() ?? 0
        var columnTotals = [Int](repeating: 0, count: columns)
        for row in table {
            for (column, count) in row.enumerated() { columnTotals[column] += count }
        }
        let total = columnTotals.reduce(0, +)
        guard total > 0 else { return 0 }
        let outcome = entropy(columnTotals, total: total)
        guard outcome > 0 else { return 0 }
        var conditional = 0.0
        for row in table {
            let rowTotal = row.reduce(0, +)
            guard rowTotal > 0 else { continue }
            conditional += Double(rowTotal) / Double(total) * entropy(row, total: rowTotal)
        }
        return max(0, min(1, (outcome - conditional) / outcome))
    }

    /// Shannon entropy in nats of the distribution `counts / total`.
    static func entropy(_ counts: [Int], total: Int) -> Double {
        let n = Double(total)
        var sum = 0.0
        for count in counts where count > 0 {
            let p = Double(count) / n
            sum -= p * Foundation.log(p)
        }
        return sum
    }
}

/// The attribution-free half of the spurious-feature suite: over the whole evaluation set, how strongly does a
/// token's presence in a document go with the class the model predicts, and with the true label?
///
/// Tokens are LIME's words (the same split as the explanations, ``LimeSettings/indexedText(_:)``), case-folded,
/// counted once per document. For each token present in at least ``SpuriousSettings/minTokenDocuments``
/// documents (and absent from at least one), two 2×K tables (present/absent × class) give
/// `U(predicted | token)` and `U(label | token)` (``TheilsU``). A model that relies on a token makes its
/// predictions follow the token more closely than the truth does; a model that is merely right about documents
/// that happen to carry the token shows the token's label association, or less.
public enum TokenAssociationCheck {
    /// Measures every token's association over the evaluation set and judges the banned ones.
    ///
    /// A banned token *fails* when its `U(predicted | token)` is above ``SpuriousSettings/maxTokenAssociation``
    /// and above its `U(label | token)`; it *warns* likewise above ``SpuriousSettings/warnTokenAssociation``.
    /// A banned token that goes with the predictions no more than with the labels is reported but passes: the
    /// evaluation set itself carries it with one class, and only the explanations can tell whether the model
    /// uses it.
    ///
    /// - Parameters:
    ///   - words: Each evaluation document's words, as the explanations split them; case is folded here.
    ///   - predicted: The class the model predicts for each document (its most probable class).
    ///   - labels: Each document's true label.
    /// - Returns: The judged measurements; `nil` when there are no documents.
    public static func evaluate(
        words: [[String]],
        predicted: [String],
        labels: [String],
        banned: BannedTokenList,
        settings: SpuriousSettings
    ) -> TokenAssociationReport? {
        precondition(
            words.count == predicted.count && words.count == labels.count,
            "one prediction and label per document"
        )
        guard !words.isEmpty else { return nil }
        let predictedClasses = Array(Set(predicted)).sorted()
        let labelClasses = Array(Set(labels)).sorted()
        let predictedIndex = Dictionary(uniqueKeysWithValues: predictedClasses.enumerated().map { ($1, $0) })
        let labelIndex = Dictionary(uniqueKeysWithValues: labelClasses.enumerated().map { ($1, $0) })
        var predictedTotals = [Int](repeating: 0, count: predictedClasses.count)
        var labelTotals = [Int](repeating: 0, count: labelClasses.count)
        var tokenIndex: [String: Int] = [:]
        var tokens: [String] = []
        var byPredicted: [[Int]] = []
        var byLabel: [[Int]] = []
        for (document, documentWords) in words.enumerated() {
            let p = predictedIndex[predicted[document]]!
            let l = labelIndex[labels[document]]!
            predictedTotals[p] += 1
            labelTotals[l] += 1
            for token in Set(documentWords.map { $0.lowercased() }) {
                let index: Int
                if let known = tokenIndex[token] {
                    index = known
                } else {
                    index = tokens.count
                    tokenIndex[token] = index
                    tokens.append(token)
                    byPredicted.append([Int](repeating: 0, count: predictedClasses.count))
                    byLabel.append([Int](repeating: 0, count: labelClasses.count))
                }
                byPredicted[index][p] += 1
                byLabel[index][l] += 1
            }
        }
        let n = words.count
        func table(_ present: [Int], _ totals: [Int]) -> [[Int]] { [present, zip(totals, present).map { $0 - $1 }] }
        var measured: [TokenAssociationReport.Token] = []
        for (index, token) in tokens.enumerated() {
            let documents = byPredicted[index].reduce(0, +)
            guard documents >= settings.minTokenDocuments, documents < n else { continue }
            let present = byPredicted[index]
            let top = present.indices.max { (present[$0], $1) < (present[$1], $0) }!
            let share = Double(present[top]) / Double(documents)
            let base = Double(predictedTotals[top]) / Double(n)
            measured.append(
                TokenAssociationReport.Token(
                    token: token,
                    documents: documents,
                    uPredicted: TheilsU.coefficient(table(present, predictedTotals)),
                    uLabel: TheilsU.coefficient(table(byLabel[index], labelTotals)),
                    predictedClass: predictedClasses[top],
                    predictedShare: share,
                    lift: share / base,
                    banned: banned.matches(token)
                )
            )
        }
        let strongestFirst = { (a: TokenAssociationReport.Token, b: TokenAssociationReport.Token) in
            (a.uPredicted, b.token) > (b.uPredicted, a.token)
        }
        measured.sort(by: strongestFirst)
        var verdict = Verdict.pass
        var reasons: [String] = []
        let bannedTokens = measured.filter(\.banned)
        for entry in bannedTokens where entry.uPredicted > entry.uLabel {
            let measure =
                "U(predicted | \"\(entry.token)\") = \(fixed(entry.uPredicted, 3)) over \(entry.documents) documents, "
                + "above its U(label | token) = \(fixed(entry.uLabel, 3))"
            if entry.uPredicted > settings.maxTokenAssociation {
                verdict = .fail
                reasons.append(
                    "banned token \"\(entry.token)\" drives the predictions: \(measure) (limit \(fixed(settings.maxTokenAssociation, 2)))"
                )
            } else if entry.uPredicted > settings.warnTokenAssociation {
                verdict = max(verdict, .warn)
                reasons.append(
                    "banned token \"\(entry.token)\" goes with the predictions: \(measure) (warn above \(fixed(settings.warnTokenAssociation, 2)))"
                )
            }
        }
        return TokenAssociationReport(
            verdict: verdict,
            reasons: reasons,
            documents: n,
            minDocuments: settings.minTokenDocuments,
            banned: bannedTokens,
            strongest: Array(measured.prefix(settings.reportTokens))
        )
    }
}
