import Foundation
import Testing
import ValidatedCore

@Suite struct IndexedTextTests {
    @Test(arguments: [
        "Posting-Host: nntp.cs.example.edu", "don't  stop, ok?", "Ärger über 東京 ½!", "", "   ", "a",
        "cafe\u{301} café", "emoji 👍🏽 and\ttabs\r\n", "x_1 + y_2 = 3.5",
    ])
    func tokensJoinBackToTheText(text: String) {
        let indexed = IndexedText(text)
        #expect(indexed.tokens.joined() == text)
        #expect(indexed.removing(keep: Array(repeating: true, count: indexed.words.count)) == text)
    }

    @Test func wordsAreRunsOfLettersDigitsAndUnderscoreAsInPython() {
        #expect(IndexedText("don't").tokens == ["don", "'", "t"])
        #expect(IndexedText("x_1 + ½").tokens == ["x_1", " + ", "½"])
        // Python's \w does not match combining marks (category Mn): a decomposed é splits the word.
        #expect(IndexedText("cafe\u{301}s").words == ["cafe", "s"])
        #expect(IndexedText("café").words == ["café"])
        #expect(IndexedText("東京 Ärger").words == ["東京", "Ärger"])
        #expect(IndexedText(" ;; ").words.isEmpty)
    }

    @Test func featuresAreDistinctCaseSensitiveWordsAndRemovalTakesEveryOccurrence() {
        let text = IndexedText("Host host, don't host")
        #expect(text.words == ["Host", "host", "don", "t"])
        #expect(text.featureOfToken == [0, -1, 1, -1, 2, -1, 3, -1, 1])
        #expect(text.removing(keep: [true, false, true, true]) == "Host , don't ")
        #expect(text.removing(keep: [false, false, false, false]) == " , ' ")
    }
}

@Suite struct RandomTests {
    @Test func explanationSeedsAreTheFirstEightBytesOfTheirSHA256() {
        // Python: int.from_bytes(hashlib.sha256(b"ab\0d\0" b"0").digest()[:8], "little")
        #expect(ExplanationSeed.derive(modelSHA256: "ab", documentID: "d", seedIndex: 0) == 2_500_251_872_789_790_412)
        #expect(
            ExplanationSeed.derive(modelSHA256: "ab", documentID: "d", seedIndex: 0)
                != ExplanationSeed.derive(modelSHA256: "ab", documentID: "d", seedIndex: 1)
        )
    }

    @Test func boundedIntegersAreReproducibleInRangeAndEven() {
        var a = SeededGenerator(seed: 9)
        var b = SeededGenerator(seed: 9)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 {
            let value = a.uniform(below: 7)
            #expect(value == b.uniform(below: 7))
            counts[value] += 1
        }
        // Each count is Binomial(70000, 1/7): mean 10000, sd ≈ 93.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
        var c = SeededGenerator(seed: 10)
        #expect((0..<8).map { _ in a.next() } != (0..<8).map { _ in c.next() })
    }
}

@Suite struct WeightedRidgeTests {
    /// Solves `A x = b` by Gaussian elimination with partial pivoting: independent of the library's Cholesky.
    static func gaussianSolve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var m = a
        var rhs = b
        let n = b.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) }!
            m.swapAt(column, pivot)
            rhs.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = m[row][column] / m[column][column]
                for k in column..<n { m[row][k] -= factor * m[column][k] }
                rhs[row] -= factor * rhs[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            x[row] = (rhs[row] - ((row + 1)..<n).reduce(0.0) { $0 + m[row][$1] * x[$1] }) / m[row][row]
        }
        return x
    }

    /// Design rows given by their ones; rows with few and with many ones exercise both accumulation paths.
    static let ones: [[Int]] = [[0, 1, 2], [0], [1, 2], [], [2], [0, 2], [0, 1], [1], [0, 1, 2], [2, 1]]
    static let targets = [0.9, 0.55, 0.3, 0.1, 0.35, 0.6, 0.8, 0.2, 0.85, 0.25]
    static let weights = [1.0, 0.4, 0.7, 0.05, 0.5, 0.9, 0.8, 0.3, 0.6, 0.65]

    static func moments(columns: Int = 3) -> WeightedMoments {
        var design = BinaryDesign(columns: columns)
        for row in ones { design.append(oneColumns: row) }
        return WeightedMoments(design: design, targets: targets, weights: weights)
    }

    @Test func oneFeatureMatchesTheClosedForm() {
        // Column 0 only: β = Sxy / (Sxx + α) on weighted-centred data, b = ȳ − β x̄.
        let fit = Self.moments().ridge(columns: [0], alpha: 1)
        let x = Self.ones.map { $0.contains(0) ? 1.0 : 0.0 }
        let w = Self.weights
        let y = Self.targets
        let sw = w.reduce(0, +)
        let mx = zip(w, x).map(*).reduce(0, +) / sw
        let my = zip(w, y).map(*).reduce(0, +) / sw
        let sxx = x.indices.map { w[$0] * (x[$0] - mx) * (x[$0] - mx) }.reduce(0, +)
        let sxy = x.indices.map { w[$0] * (x[$0] - mx) * (y[$0] - my) }.reduce(0, +)
        let beta = sxy / (sxx + 1)
        #expect(abs(fit.coefficients[0] - beta) < 1e-12)
        #expect(abs(fit.intercept - (my - beta * mx)) < 1e-12)
    }

    @Test(arguments: [0.0, 0.01, 1.0])
    func threeFeaturesMatchTheUncentredNormalEquations(alpha: Double) {
        // Minimise Σw(y − b − xᵀβ)² + α‖β‖² directly: [Σw, Σwxᵀ; Σwx, XᵀWX + αI] [b; β] = [Σwy; XᵀWy].
        let rows = Self.ones.map { row in [1.0] + (0..<3).map { row.contains($0) ? 1.0 : 0.0 } }
        var a = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
        var b = [Double](repeating: 0, count: 4)
        for (r, x) in rows.enumerated() {
            for i in 0..<4 {
                b[i] += Self.weights[r] * x[i] * Self.targets[r]
                for j in 0..<4 { a[i][j] += Self.weights[r] * x[i] * x[j] }
            }
        }
        for i in 1..<4 { a[i][i] += alpha }
        let solution = Self.gaussianSolve(a, b)
        let fit = Self.moments().ridge(columns: [0, 1, 2], alpha: alpha)
        #expect(abs(fit.intercept - solution[0]) < 1e-9)
        for i in 0..<3 { #expect(abs(fit.coefficients[i] - solution[i + 1]) < 1e-9) }

        // The weighted R², from the residuals.
        let sw = Self.weights.reduce(0, +)
        let mean = zip(Self.weights, Self.targets).map(*).reduce(0, +) / sw
        var residual = 0.0
        var total = 0.0
        for (r, x) in rows.enumerated() {
            let prediction = zip(x, solution).map(*).reduce(0, +)
            residual += Self.weights[r] * pow(Self.targets[r] - prediction, 2)
            total += Self.weights[r] * pow(Self.targets[r] - mean, 2)
        }
        #expect(abs(fit.score - (1 - residual / total)) < 1e-9)
    }

    @Test func aSubsetOfColumnsIsFittedAsIfTheOthersWereAbsent() {
        // Fitting columns [2, 0] of a 3-column design equals fitting a 2-column design holding only them.
        var design = BinaryDesign(columns: 2)
        for row in Self.ones { design.append(oneColumns: row.compactMap { [2: 0, 0: 1][$0] }) }
        let small = WeightedMoments(design: design, targets: Self.targets, weights: Self.weights).ridge(
            columns: [0, 1],
            alpha: 1
        )
        let subset = Self.moments().ridge(columns: [2, 0], alpha: 1)
        for i in 0..<2 { #expect(abs(small.coefficients[i] - subset.coefficients[i]) < 1e-12) }
        #expect(abs(small.intercept - subset.intercept) < 1e-12)
        #expect(abs(small.score - subset.score) < 1e-12)
    }

    @Test func anExactLinearModelIsRecoveredWithoutPenalty() {
        var design = BinaryDesign(columns: 3)
        var y: [Double] = []
        for mask in 0..<8 {
            let columns = (0..<3).filter { mask & (1 << $0) != 0 }
            design.append(oneColumns: columns)
            y.append(0.5 + columns.map { [0.3, -0.2, 0.1][$0] }.reduce(0, +))
        }
        let fit = WeightedMoments(design: design, targets: y, weights: (0..<8).map { 1 + Double($0) / 8 })
            .ridge(columns: [0, 1, 2], alpha: 0)
        for (got, want) in zip(fit.coefficients, [0.3, -0.2, 0.1]) { #expect(abs(got - want) < 1e-9) }
        #expect(abs(fit.intercept - 0.5) < 1e-9)
        #expect(abs(fit.score - 1) < 1e-9)
        #expect(abs(fit.predict(ones: [0, 2]) - 0.9) < 1e-9)
    }

    @Test func constantTargetsGiveZeroCoefficientsAndAPerfectScore() {
        var design = BinaryDesign(columns: 2)
        for row in [[0, 1], [0], [1], []] { design.append(oneColumns: row) }
        let fit = WeightedMoments(design: design, targets: [0.7, 0.7, 0.7, 0.7], weights: [1, 0.5, 0.5, 0.2])
            .ridge(columns: [0, 1], alpha: 1)
        #expect(fit.coefficients.allSatisfy { abs($0) < 1e-12 })
        #expect(abs(fit.intercept - 0.7) < 1e-12)
        #expect(fit.score == 1)
    }
}

@Suite struct LimeTests {
    @Test(arguments: [
        // Kept of total words; d and the kernel weight in Python's closed form; the rounded table of
        // algorithms.md §2.4 with half a unit of its last digit.
        (9, 10, 5.131670194948623, 0.9791531327244603, 5.13, 0.979, 0.0005),
        (5, 10, 29.28932188134524, 0.5034396167555495, 29.29, 0.503, 0.0005),
        (1, 10, 68.3772233983162, 0.023745654260945617, 68.38, 0.0237, 0.00005),
        (0, 10, 100.0, 0.00033546262790251185, 100, 0.0003, 0.00005),
    ])
    func distancesAndKernelMatchTheClosedFormAndTheReferenceTable(
        kept: Int,
        total: Int,
        d: Double,
        w: Double,
        tableD: Double,
        tableW: Double,
        tableHalfUnit: Double
    ) {
        let distance = LimeTextExplainer.distance(kept: kept, total: total)
        let weight = LimeTextExplainer.kernel(distance: distance, width: 25)
        #expect(abs(distance - d) < 1e-9)
        #expect(abs(distance - 100 * (1 - (Double(kept) / Double(total)).squareRoot())) < 1e-12)
        #expect(abs(weight - w) < 1e-9)
        #expect(abs(weight - exp(-d * d / 1250)) < 1e-12)
        #expect(abs(distance - tableD) < 0.005)
        #expect(abs(weight - tableW) <= tableHalfUnit)
    }

    @Test func theNeighbourhoodIsLIMEs() throws {
        let text = "good plot, good music; bad ending"
        let recorder = RecordingClassifier(KeywordClassifier())
        _ = try LimeTextExplainer(settings: LimeSettings(samples: 2000, certifyConfidence: nil))
            .explain(text, documentID: "d", label: 1, classifier: recorder, seed: 3)
        let batches = recorder.batches
        #expect(batches.count == 1, "every sample in one call by default")
        let texts = try #require(batches.first)
        #expect(texts.count == 2000)
        #expect(texts[0] == text)
        let words = IndexedText(text).words  // good, plot, music, bad, ending
        var removedCounts = [Int](repeating: 0, count: words.count + 1)
        for sample in texts.dropFirst() {
            let kept = Set(IndexedText(sample).words)
            // Bag of words: a word is removed with all its occurrences, the separators stay.
            #expect(IndexedText(sample).tokens.filter { $0 == "good" }.count == (kept.contains("good") ? 2 : 0))
            #expect(sample.filter { !$0.isLetter } == text.filter { !$0.isLetter })
            removedCounts[words.count - kept.count] += 1
        }
        #expect(removedCounts[0] == 0, "every perturbation removes at least one word")
        // The number removed is uniform on 1...5: about 400 each (sd ≈ 18).
        #expect(removedCounts[1...].allSatisfy { abs($0 - 400) < 100 }, "\(removedCounts)")
    }

    @Test func theExplanationNamesTheModelsReasons() throws {
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 1000))
        let text = "a good film with a bad ending and some music"
        let explanation = try explainer.explain(
            text,
            documentID: "d",
            label: 1,
            classifier: KeywordClassifier(),
            seed: 1
        )
        #expect(explanation.weights.count == 9, "10 features asked, 9 distinct words")
        #expect(Set(explanation.weights.prefix(2).map(\.feature)) == ["good", "bad"])
        let good = try #require(explanation.weights.first { $0.feature == "good" })
        let bad = try #require(explanation.weights.first { $0.feature == "bad" })
        #expect(good.weight == explanation.weights.map(\.weight).max())
        #expect(bad.weight == explanation.weights.map(\.weight).min())
        #expect(good.weight > 0.2 && bad.weight < -0.2)
        for other in explanation.weights where !["good", "bad"].contains(other.feature) {
            #expect(abs(other.weight) < 0.05, "\(other.feature) should not matter")
        }
        #expect(
            zip(explanation.weights, explanation.weights.dropFirst()).allSatisfy { abs($0.weight) >= abs($1.weight) }
        )
        #expect(explanation.score > 0.8)
        #expect(abs(explanation.prediction - 0.5) < 1e-12, "sigmoid(3 − 3)")
        #expect(abs(explanation.localPrediction - explanation.prediction) < 0.1)
    }

    @Test(arguments: [FeatureSelection.auto, .forwardSelection, .highestWeights])
    func everySelectionFindsTheTwoWordsThatMatter(selection: FeatureSelection) throws {
        let settings = LimeSettings(samples: 600, features: 2, featureSelection: selection)
        let explanation = try LimeTextExplainer(settings: settings)
            .explain("the bad plot of a good film", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 5)
        #expect(
            explanation.weights.map(\.feature) == ["good", "bad"]
                || explanation.weights.map(\.feature) == ["bad", "good"]
        )
    }

    @Test func selectionNoneKeepsEveryWord() throws {
        let settings = LimeSettings(samples: 300, features: 2, featureSelection: .none)
        let explanation = try LimeTextExplainer(settings: settings)
            .explain("the bad plot of a good film", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 5)
        #expect(Set(explanation.weights.map(\.feature)) == ["the", "bad", "plot", "of", "a", "good", "film"])
    }

    @Test func theSameSeedReproducesAndAnotherSeedDiffersSlightly() throws {
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 500))
        let text = "good bad ugly words in a row"
        let a = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 7)
        let b = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 7)
        let c = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 8)
        #expect(a == b)
        #expect(a.weights != c.weights)
        #expect(Set(a.top(2).map(\.feature)) == Set(c.top(2).map(\.feature)))
        for weight in a.top(2) {
            let other = try #require(c.weights.first { $0.feature == weight.feature })
            #expect(abs(weight.weight - other.weight) < 0.1)
        }
    }

    @Test func batchesGiveTheSameExplanationAsOneCall() throws {
        let text = "good plot, bad music"
        let recorder = RecordingClassifier(KeywordClassifier())
        let batched = try LimeTextExplainer(settings: LimeSettings(samples: 250, batchSize: 64))
            .explain(text, documentID: "d", label: 1, classifier: recorder, seed: 11)
        let whole = try LimeTextExplainer(settings: LimeSettings(samples: 250))
            .explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 11)
        #expect(batched == whole)
        #expect(recorder.batches.map(\.count) == [64, 64, 64, 58])
    }

    @Test func theOtherLabelMirrorsTheWeights() throws {
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 400))
        let text = "good and bad"
        let one = try explainer.explain(text, documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 2)
        let zero = try explainer.explain(text, documentID: "d", label: 0, classifier: KeywordClassifier(), seed: 2)
        #expect(Set(one.weights.map(\.feature)) == Set(zero.weights.map(\.feature)))
        for a in one.weights {
            let b = try #require(zero.weights.first { $0.feature == a.feature })
            #expect(abs(a.weight + b.weight) < 1e-9)
        }
        #expect(abs(one.prediction + zero.prediction - 1) < 1e-12)
    }

    @Test func unusableInputsAreExplanationErrorsThatSayWhy() {
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 50))
        #expect {
            try explainer.explain(" ;; ", documentID: "d7", label: 1, classifier: KeywordClassifier(), seed: 1)
        } throws: { error in
            "\(error)".hasPrefix("document d7 has no words to explain")
        }
        #expect(throws: ExplanationError.self) {
            try LimeTextExplainer(settings: LimeSettings(samples: 1))
                .explain("good", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 1)
        }
        #expect {
            try explainer.explain("good", documentID: "d", label: 2, classifier: KeywordClassifier(), seed: 1)
        } throws: { error in
            "\(error)" == "document d cannot be explained for class index 2: the model returns 2 classes"
        }
        #expect {
            try explainer.explain(
                "good film",
                documentID: "d",
                label: 1,
                classifier: ScriptedClassifier(rows: { $0 - 1 }),
                seed: 1
            )
        } throws: { error in
            "\(error)" == "document d cannot be explained: the model returned 49 rows of probabilities for 50 texts"
        }
        #expect(throws: ExplanationError.self) {
            try explainer.explain(
                "good film",
                documentID: "d",
                label: 1,
                classifier: ScriptedClassifier(value: .nan),
                seed: 1
            )
        }
        #expect(throws: FailingClassifier.Broken.self) {
            try explainer.explain("good film", documentID: "d", label: 1, classifier: FailingClassifier(), seed: 1)
        }
    }
}

/// The reference's options beyond its defaults: position-wise masking, other splitters, characters, the lasso
/// path, and several classes from one neighbourhood.
@Suite struct LimeOptionTests {
    @Test func withoutBagOfWordsEachOccurrenceIsAFeatureMaskedInPlace() throws {
        let text = "good film, good end"
        let recorder = RecordingClassifier(KeywordClassifier())
        let explanation = try LimeTextExplainer(settings: LimeSettings(samples: 400, bow: false))
            .explain(text, documentID: "d", label: 1, classifier: recorder, seed: 4)
        #expect(explanation.weights.map(\.feature).sorted() == ["end", "film", "good", "good"])
        let texts = try #require(recorder.batches.first)
        for sample in texts.dropFirst() {
            // Positions survive: every word is either itself or the mask.
            let words = IndexedText(sample).words
            #expect(sample.filter { !$0.isLetter } == text.filter { !$0.isLetter })
            #expect(Set(words).isSubset(of: ["good", "film", "end", "UNKWORDZ"]))
            #expect(sample.contains("UNKWORDZ"))
        }
        // One "good" left keeps the keyword model's score up: each occurrence alone matters less than both.
        #expect(texts.contains("UNKWORDZ film, good end") && texts.contains("good film, UNKWORDZ end"))
        let goods = explanation.weights.filter { $0.feature == "good" }.map(\.weight)
        #expect(goods.allSatisfy { $0 > 0.05 })
    }

    @Test func aCustomMaskReplacesRemovedWords() throws {
        let recorder = RecordingClassifier(KeywordClassifier())
        _ = try LimeTextExplainer(settings: LimeSettings(samples: 50, bow: false, maskString: "[MASK]"))
            .explain("good bad", documentID: "d", label: 1, classifier: recorder, seed: 4)
        let texts = try #require(recorder.batches.first)
        #expect(texts.dropFirst().allSatisfy { $0.contains("[MASK]") && !$0.contains("UNKWORDZ") })
    }

    @Test func aSplitExpressionDecidesWhatAWordIs() throws {
        // Split on spaces only: "good," and "good" are different features.
        let explanation = try LimeTextExplainer(settings: LimeSettings(samples: 300, splitExpression: #"\s+"#))
            .explain("good, good bad", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 2)
        #expect(Set(explanation.weights.map(\.feature)) == ["good,", "good", "bad"])
        #expect(
            throws: ExplanationError(
                description: "document d has no words to explain: it is all matches of the split expression \"\\s+\""
            )
        ) {
            try LimeTextExplainer(settings: LimeSettings(samples: 30, splitExpression: #"\s+"#))
                .explain("   ", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 2)
        }
    }

    @Test func characterLevelMakesEveryCharacterAFeature() throws {
        let recorder = RecordingClassifier(KeywordClassifier(positive: "g", negative: "zz"))
        let explanation = try LimeTextExplainer(settings: LimeSettings(samples: 300, charLevel: true))
            .explain("a g!", documentID: "d", label: 1, classifier: recorder, seed: 3)
        #expect(Set(explanation.weights.map(\.feature)) == ["a", " ", "g", "!"])
        #expect(explanation.weights.first?.feature == "g")
        let positional = try LimeTextExplainer(settings: LimeSettings(samples: 50, bow: false, charLevel: true))
            .explain("gg", documentID: "d", label: 1, classifier: recorder, seed: 3)
        #expect(positional.weights.map(\.feature) == ["g", "g"])
        #expect(
            recorder.batches.last?.dropFirst().allSatisfy { $0.contains("\u{0}") && $0.unicodeScalars.count == 2 }
                == true
        )
    }

    @Test func theLassoPathFindsTheWordsThatMatter() throws {
        let settings = LimeSettings(samples: 600, features: 2, featureSelection: .lassoPath)
        let explanation = try LimeTextExplainer(settings: settings)
            .explain("the bad plot of a good film", documentID: "d", label: 1, classifier: KeywordClassifier(), seed: 5)
        #expect(Set(explanation.weights.map(\.feature)) == ["good", "bad"])
    }

    @Test func severalLabelsShareOneNeighbourhoodAndMatchSingleExplanations() throws {
        let text = "the paint and the atom of a goal"
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 400))
        let recorder = RecordingClassifier(TopicClassifier())
        let all = try explainer.explain(text, documentID: "d", labels: [2, 0], classifier: recorder, seed: 6)
        #expect(recorder.batches.count == 1, "one classifier call for every label")
        #expect(all.map(\.label) == [2, 0])
        for explanation in all {
            let single = try explainer.explain(
                text,
                documentID: "d",
                label: explanation.label,
                classifier: TopicClassifier(),
                seed: 6
            )
            #expect(single == explanation)
        }
        #expect(all[0].weights.first?.feature == "goal" && all[1].weights.first?.feature == "paint")
    }

    @Test func topLabelsAreTheMostProbableClassesWithTiesToTheHigherIndex() throws {
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 200))
        // P = (e²+1+1)/… : "atom" makes science the most probable, arts and sport tie.
        let top = try explainer.explain(
            "an atom here",
            documentID: "d",
            topLabels: 2,
            classifier: TopicClassifier(),
            seed: 1
        )
        #expect(top.map(\.label) == [1, 2])
        #expect(top[0].prediction > top[1].prediction)
        let everything = try explainer.explain(
            "an atom here",
            documentID: "d",
            topLabels: 5,
            classifier: TopicClassifier(),
            seed: 1
        )
        #expect(everything.map(\.label) == [1, 2, 0])
        #expect {
            try explainer.explain("an atom", documentID: "d", topLabels: 0, classifier: TopicClassifier(), seed: 1)
        } throws: { error in
            "\(error)".contains("no class was asked for")
        }
        #expect(throws: ExplanationError.self) {
            try explainer.explain("an atom", documentID: "d", labels: [], classifier: TopicClassifier(), seed: 1)
        }
        #expect {
            try explainer.explain("an atom", documentID: "d", labels: [0, 3], classifier: TopicClassifier(), seed: 1)
        } throws: { error in
            "\(error)" == "document d cannot be explained for class index 3: the model returns 3 classes"
        }
    }
}

/// ``KeywordClassifier`` that also scores LIME's samples from their kept features, and counts text calls.
final class MaskedKeywordClassifier: MaskedTextScoring, @unchecked Sendable {
    private let lock = NSLock()
    private var texts = 0
    var classes: [String] { ["0", "1"] }
    var textsScored: Int { lock.withLock { texts } }

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        lock.withLock { self.texts += texts.count }
        return try KeywordClassifier().predictProbabilities(texts)
    }

    func maskedScorer(for text: IndexedText) -> (any MaskedTextScorer)? {
        text.mask == nil ? Scorer(good: text.words.firstIndex(of: "good"), bad: text.words.firstIndex(of: "bad")) : nil
    }

    struct Scorer: MaskedTextScorer {
        var good: Int?
        var bad: Int?
        var classCount: Int { 2 }

        func score(kept: KeptFeatures, into probabilities: UnsafeMutableBufferPointer<Double>) {
            let z = 3.0 * (good.map { kept[$0] } == true ? 1 : 0) - 3.0 * (bad.map { kept[$0] } == true ? 1 : 0)
            let p = 1 / (1 + exp(-z))
            probabilities[0] = 1 - p
            probabilities[1] = p
        }
    }
}

@Suite struct MaskedScoringTests {
    @Test func aMaskedScorerGivesTheSameExplanationWithoutBuildingTexts() throws {
        let text = "a good film with a bad ending and some good music"
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 700))
        let masked = MaskedKeywordClassifier()
        let fast = try explainer.explain(text, documentID: "d", labels: [1, 0], classifier: masked, seed: 9)
        let slow = try explainer.explain(
            text,
            documentID: "d",
            labels: [1, 0],
            classifier: KeywordClassifier(),
            seed: 9
        )
        #expect(fast == slow)
        #expect(masked.textsScored == 0)
        // Position-wise masking has no scorer here, so the texts are built and scored.
        _ = try LimeTextExplainer(settings: LimeSettings(samples: 50, bow: false))
            .explain(text, documentID: "d", label: 1, classifier: masked, seed: 9)
        #expect(masked.textsScored == 50)
    }
}
