import Foundation
import Testing
import ValidatedCore

@Suite struct ValidatorTests {
    /// Reviews are positive when they say "good"; half the positive ones also carry the artefact "nntp".
    static let evaluation: EvaluationSet = {
        var documents: [LabeledDocument] = []
        let fillers = ["plot", "music", "actors", "scenes", "story", "camera", "script", "ending"]
        for i in 0..<60 {
            let positive = i % 2 == 0
            var words = [fillers[i % 8], fillers[(i + 3) % 8], "and", "more"]
            words.append(positive ? "good" : "bad")
            if positive && i % 4 == 0 { words.insert("nntp", at: 1) }
            documents.append(LabeledDocument(id: "d\(i)", text: words.joined(separator: " "), isPositive: positive))
        }
        return EvaluationSet(documents: documents)
    }()

    static var settings: ValidationSettings {
        var settings = ValidationSettings()
        settings.lime.samples = 300
        settings.spurious.documents = 20
        settings.stability.documents = 4
        return settings
    }

    @Test func aModelThatLeansOnABannedTokenFailsNamingIt() async throws {
        let banned = try BannedTokenList.parse("# artefacts\nnntp\n/x-.*/\n", source: "banned.txt")
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(positive: "nntp", negative: "bad"),
                challengerSHA256: "aa",
                evaluation: Self.evaluation,
                banned: banned,
                settings: Self.settings
            )
        )
        #expect(report.verdict == .fail)
        let spurious = try #require(report.checks.spurious)
        #expect(spurious.verdict == .fail)
        #expect(spurious.bannedHits.map(\.token) == ["nntp"])
        #expect(spurious.bannedHits[0].rate > 0.2)
        #expect(spurious.summary.contains("nntp"))
    }

    @Test func explainableDocumentsFollowLimesSplit() async throws {
        // "?!" and "--" have no word for the default split, but are characters, and words between spaces.
        let texts = ["good plot", "bad music", "?!", "--", "good story", "bad script"]
        let evaluation = EvaluationSet(
            documents: texts.enumerated().map { LabeledDocument(id: "d\($0)", text: $1, isPositive: $0 % 2 == 0) }
        )
        func explained(_ configure: (inout LimeSettings) -> Void) async throws -> Int {
            var settings = Self.settings
            settings.stability.documents = 0
            settings.lime.samples = 50
            configure(&settings.lime)
            let report = await Validator.validate(
                ValidationRequest(
                    challenger: KeywordClassifier(),
                    challengerSHA256: "ee",
                    evaluation: evaluation,
                    settings: settings
                )
            )
            return try #require(report.checks.spurious, "\(report.summary)").explained
        }
        #expect(try await explained { _ in } == 4)
        #expect(try await explained { $0.charLevel = true } == 6)
        #expect(try await explained { $0.splitExpression = #"\s+"# } == 6)
        let invalid = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(),
                challengerSHA256: "ee",
                evaluation: evaluation,
                settings: ValidationSettings(lime: LimeSettings(splitExpression: "[a-"))
            )
        )
        #expect(invalid.verdict == .error && invalid.summary.contains("[Explain]") && invalid.summary.contains("[a-"))
    }

    @Test func editedTextsAreComparedOverTheFeaturesOfTheConfiguredSplit() {
        func explanation(_ weights: [(String, Double)]) -> Explanation {
            Explanation(
                documentID: "d",
                label: 1,
                weights: weights.map { FeatureWeight(feature: $0.0, weight: $0.1) },
                intercept: 0,
                score: 1,
                localPrediction: 0.5,
                prediction: 0.5
            )
        }
        let edited = PerturbedText(text: "abc!", edits: ["punctuation"])
        let (before, after) = (explanation([("a", 0.5), ("c", 0.4)]), explanation([("a", 0.5), ("b", 0.4)]))
        // Characters: a, b and c are in both texts, so the explanations share one of their two features.
        let characters = PerturbationTrial(
            original: "abc",
            perturbed: edited,
            originalExplanation: before,
            perturbedExplanation: after,
            features: LimeSettings(charLevel: true)
        )
        #expect(characters.agreement(k: 2).topKIntersection == 0.5)
        // Words: "abc" is the only shared word and neither explanation has it, so nothing is compared.
        let words = PerturbationTrial(
            original: "abc",
            perturbed: edited,
            originalExplanation: before,
            perturbedExplanation: after
        )
        #expect(words.agreement(k: 2).topKIntersection == 1)
    }

    @Test func aCleanModelPassesAndIsComparedWithTheChampion() async throws {
        let banned = try BannedTokenList.parse("nntp", source: "banned.txt")
        // The champion's reasons are other words: new reasons in the top 2 (of a dozen words), reported without
        // warning here.
        var settings = Self.settings
        settings.spurious.newReasonsWarn = false
        settings.spurious.newReasonTop = 2
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(),
                challengerSHA256: "bb",
                champion: KeywordClassifier(positive: "plot", negative: "music"),
                evaluation: Self.evaluation,
                banned: banned,
                settings: settings
            )
        )
        #expect(report.verdict == .pass, "\(report.summary)")
        let comparison = try #require(report.checks.spurious?.champion)
        #expect(comparison.explained == settings.spurious.documents && comparison.error == nil)
        #expect(comparison.newReasons.map(\.token).sorted() == ["bad", "good"])
        #expect(comparison.championImportance.prefix(2).map(\.token).sorted() == ["music", "plot"])
        let auc = try #require(report.checks.auc)
        #expect(abs(auc.auc - 1) < 1e-12)
        #expect(try #require(auc.delta) > 0)
        #expect(report.checks.stability?.verdict == .pass)
        #expect(report.checks.spurious?.bannedHits.isEmpty == true)
    }

    @Test func storedChampionScoresAreUsedInsteadOfScoringTheChampion() async throws {
        let championScores = try KeywordClassifier(positive: "plot", negative: "music")
            .predictProbabilities(Self.evaluation.documents.map(\.text)).column(1)
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(),
                challengerSHA256: "bb",
                champion: FailingClassifier(),
                championScores: championScores,
                evaluation: Self.evaluation,
                settings: Self.settings
            )
        )
        #expect(report.verdict == .pass, "\(report.summary)")
        #expect(
            report.checks.auc?.championAUC
                == (try AUC.auc(scores: championScores, positives: Self.evaluation.documents.map(\.isPositive)))
        )
        #expect(report.scores?.count == Self.evaluation.documents.count)
    }

    @Test func aChampionThatCannotBeScoredLeavesTheChallengerJudgedOnTheFloor() async throws {
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(),
                challengerSHA256: "bb",
                champion: FailingClassifier(),
                evaluation: Self.evaluation,
                settings: Self.settings
            )
        )
        #expect(report.verdict != .error, "\(report.error ?? "")")
        let auc = try #require(report.checks.auc)
        #expect(auc.championAUC == nil)
        #expect(
            auc.championError
                == "the champion failed to score evaluation documents 1–60: the scorer process exited with status 1"
        )
        #expect(auc.summary.hasSuffix("so it was judged on the floor alone"))

        let foreign = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(),
                challengerSHA256: "bb",
                champion: ScriptedClassifier(classes: ["ham", "spam"]),
                evaluation: Self.evaluation,
                settings: Self.settings
            )
        )
        #expect(
            foreign.checks.auc?.championError
                == #"the champion's classes ["ham", "spam"] do not include the positive label "1" (PositiveLabel=)"#
        )
    }

    @Test func aModelBelowTheFloorFails() async throws {
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(positive: "plot", negative: "music"),
                challengerSHA256: "dd",
                evaluation: Self.evaluation,
                settings: Self.settings
            )
        )
        let auc = try #require(report.checks.auc)
        #expect(auc.auc < 0.7)
        #expect(auc.verdict == .fail)
        #expect(report.verdict == .fail)
    }

    @Test func aModelThatScoresEverythingAlikeIsAnErrorNotANaN() async {
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(positive: "zzz", negative: "yyy"),
                challengerSHA256: "dd",
                evaluation: Self.evaluation,
                settings: Self.settings
            )
        )
        #expect(report.verdict == .error)
        #expect(report.error?.contains("same score") == true)
    }

    @Test func aClassifierThatThrowsGetsAnErrorVerdictSayingWhy() async {
        let report = await Validator.validate(
            ValidationRequest(challenger: FailingClassifier(), challengerSHA256: "ee", evaluation: Self.evaluation)
        )
        #expect(report.verdict == .error)
        #expect(
            report.error
                == "the model failed to score evaluation documents 1–60: the scorer process exited with status 1"
        )
        #expect(report.checks.spurious == nil && report.checks.auc == nil)
    }

    @Test(arguments: [
        (Double.nan, "probability nan is not a number in [0, 1]"), (0.7, "probabilities sum to 1.4, not 1"),
    ])
    func aClassifierWhoseOutputIsNotProbabilitiesGetsAnErrorVerdictNamingTheDocument(
        value: Double,
        problem: String
    ) async {
        let report = await Validator.validate(
            ValidationRequest(
                challenger: ScriptedClassifier(value: value),
                challengerSHA256: "ef",
                evaluation: Self.evaluation
            )
        )
        #expect(report.verdict == .error)
        #expect(
            report.error
                == "the model's output for evaluation document \(Self.evaluation.documents[0].id) is unusable: \(problem) (overflowing weights, or a scorer that does not return probabilities)"
        )
    }

    @Test func aClassifierThatFailsWhileExplainingGetsAnErrorVerdictNamingTheDocument() async throws {
        // Scores the evaluation set (60 texts) but refuses LIME's perturbed texts.
        struct EvaluationTextsOnly: TextClassifier {
            struct Unknown: Error, CustomStringConvertible {
                var description: String { "unknown text" }
            }
            let known = Set(ValidatorTests.evaluation.documents.map(\.text))
            var classes: [String] { ["0", "1"] }
            func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
                guard texts.allSatisfy(known.contains) else { throw Unknown() }
                return try KeywordClassifier().predictProbabilities(texts)
            }
        }
        let report = await Validator.validate(
            ValidationRequest(
                challenger: EvaluationTextsOnly(),
                challengerSHA256: "ee",
                evaluation: Self.evaluation,
                settings: Self.settings
            )
        )
        #expect(report.verdict == .error)
        let message = try #require(report.error)
        #expect(message.hasPrefix("the model failed while explaining document d"), "\(message)")
        #expect(message.hasSuffix(": unknown text"))
    }

    @Test func aModelWithoutThePositiveClassIsAnErrorNamingBoth() async {
        struct Letters: TextClassifier {
            var classes: [String] { ["neg", "pos"] }
            func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
                try KeywordClassifier().predictProbabilities(texts)
            }
        }
        let report = await Validator.validate(
            ValidationRequest(
                challenger: Letters(),
                challengerSHA256: "ee",
                evaluation: Self.evaluation,
                settings: Self.settings
            )
        )
        #expect(report.verdict == .error)
        #expect(report.error?.contains(#"["neg", "pos"]"#) == true)
        #expect(report.error?.contains(#"positive label "1""#) == true)
    }

    @Test func documentsWithoutWordsAreNotExplainedAndTheChoiceIsTheSameForEveryModel() async throws {
        var documents = Self.evaluation.documents
        documents.insert(LabeledDocument(id: "empty", text: " -- ", isPositive: false), at: 0)
        var settings = Self.settings
        settings.spurious.documents = 100
        let banned = try BannedTokenList.parse("nntp", source: "b")
        let reports = await [KeywordClassifier(), KeywordClassifier(positive: "nntp")].asyncMap { model in
            await Validator.validate(
                ValidationRequest(
                    challenger: model,
                    challengerSHA256: "aa",
                    evaluation: EvaluationSet(documents: documents),
                    banned: banned,
                    settings: settings
                )
            )
        }
        for report in reports {
            #expect(report.verdict != .error, "\(report.summary)")
            #expect(report.checks.spurious?.explained == 60)
        }
    }

    @Test func progressCoversScoringAndEveryExplanation() async {
        final class Phases: @unchecked Sendable {
            let lock = NSLock()
            var seen: [ValidationProgress] = []
        }
        let phases = Phases()
        _ = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(),
                challengerSHA256: "ff",
                evaluation: Self.evaluation,
                settings: Self.settings
            ),
            progress: { update in phases.lock.withLock { phases.seen.append(update) } }
        )
        let seen = phases.lock.withLock { phases.seen }
        #expect(seen.first == ValidationProgress(phase: .scoring, done: 60, total: 60))
        // 20 documents at seed 0; then 4 of them at seeds 1 and 2 (seed 0 continued where its sampling stopped on
        // the banned words), their edited texts, and the greedy search's candidates.
        #expect(seen.filter { $0.phase == .explaining }.map(\.done) == Array(1...20))
        #expect(seen.filter { $0.phase == .explaining }.allSatisfy { $0.total == 20 })
        let seeds = seen.filter { $0.phase == .seeds }
        #expect(seeds.count >= 8 && seeds.last?.done == seeds.last?.total)
        let edits = seen.filter { $0.phase == .perturbations }
        #expect(!edits.isEmpty && edits.last?.done == edits.last?.total)
        #expect(seen.contains { $0.phase == .attack })
    }

    /// The keyword model's stability report under ``settings`` changed by `configure`.
    static func stability(_ configure: (inout ValidationSettings) -> Void) async throws -> StabilityReport {
        var settings = Self.settings
        configure(&settings)
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(),
                challengerSHA256: "ff",
                evaluation: Self.evaluation,
                settings: settings
            )
        )
        return try #require(report.checks.stability, "\(report.error ?? report.summary)")
    }

    @Test func theStabilitySuiteStopsOnceItsVerdictIsSettledAndSaysSo() async throws {
        func stability(_ settle: Double?) async throws -> StabilityReport {
            try await Self.stability {
                $0.stability.documents = 8
                $0.stability.settleConfidence = settle
            }
        }
        // The keyword model's explanations agree across seeds and edits: four documents settle it.
        let settled = try await stability(0.95)
        #expect(settled.documents == 4 && settled.plannedDocuments == 8)
        #expect(settled.summary.hasSuffix("settled after 4 of 8 documents"), "\(settled.summary)")
        let every = try await stability(nil)
        #expect(every.documents == 8 && every.plannedDocuments == 8 && !every.summary.contains("settled"))
        #expect(every.verdict == settled.verdict)
    }

    @Test func theGreedySearchRanksCandidatesCheaplyAndMeasuresItsPickInFull() async throws {
        for attackSamples in [200, 0] {
            let report = try await Self.stability {
                $0.lime.samples = 600
                $0.lime.certifyConfidence = nil  // fixed sample sizes: each explanation draws its ceiling
                $0.stability.attackSamples = attackSamples
            }
            let sampling = try #require(report.sampling)
            let pairs = try #require(report.perturbation).pairs
            // Every explanation drew 600 samples or 200: solve for how many of each.
            let cheap = (600 * sampling.explanations - sampling.samples) / 400
            #expect(600 * (sampling.explanations - cheap) + 200 * cheap == sampling.samples)
            // In full: 4 documents under seeds 1 and 2, the edits, and the one pick of each of the 2 searches.
            let full = 8 + pairs + (attackSamples > 0 ? 2 : sampling.explanations - 8 - pairs)
            #expect(sampling.explanations - cheap == full, "\(sampling)")
            #expect(attackSamples > 0 ? cheap >= 2 : cheap == 0)
            #expect(try #require(report.attack).explanations >= (attackSamples > 0 ? 2 : 1))
        }
    }

    @Test func rerunsGiveTheSameReport() async {
        let request = ValidationRequest(
            challenger: KeywordClassifier(),
            challengerSHA256: "ff",
            evaluation: Self.evaluation,
            settings: Self.settings
        )
        var first = await Validator.validate(request)
        var second = await Validator.validate(request)
        for index in [0, 1] {
            var report = index == 0 ? first : second
            report.durationSeconds = 0
            report.checks.stability?.seconds = nil
            report.checks.stability?.shareOfRun = nil
            report.checks.spurious?.seconds = nil
            report.checks.auc?.seconds = nil
            report.checks.counterfactual?.seconds = nil
            report.checks.counterfactual?.shareOfRun = nil
            // Parallel explanations of one document may both miss a text they share: the split between model
            // calls and cached calls can differ, not their sum.
            report.modelCalls = nil
            report.cachedCalls = nil
            report.checks.spurious?.modelCalls = nil
            report.checks.spurious?.cachedCalls = nil
            report.checks.stability?.modelCalls = nil
            report.checks.stability?.cachedCalls = nil
            report.checks.counterfactual?.modelCalls = nil
            report.checks.counterfactual?.cachedCalls = nil
            if index == 0 { first = report } else { second = report }
        }
        #expect(first == second)
    }
}

@Suite struct SpuriousCheckTests {
    static func explanation(_ id: String, _ weights: [(String, Double)]) -> Explanation {
        Explanation(
            documentID: id,
            label: 1,
            weights: weights.map { FeatureWeight(feature: $0.0, weight: $0.1) },
            intercept: 0,
            score: 1,
            localPrediction: 0.5,
            prediction: 0.5
        )
    }

    @Test func ratesMassSharesAndExamplesFollowTheirDefinitions() throws {
        let banned = try BannedTokenList.parse("host\n/x[0-9]+/", source: "b")
        var settings = SpuriousSettings()
        settings.topK = 3
        let explanations = [
            // x1 is not in the top 3.
            Self.explanation("a", [("Host", 0.5), ("plot", -0.3), ("host", 0.1), ("x1", 0.05)]),
            Self.explanation("b", [("plot", 0.4), ("x7", -0.3), ("music", 0.01)]),
            Self.explanation("c", [("plot", 1.0), ("music", 0.5), ("host", 0.01)]),  // host below 5% of 1.0
            Self.explanation("d", [("story", 0.2)]),
        ]
        let report = SpuriousCheck.evaluate(explanations, texts: ["a": "text a"], banned: banned, settings: settings)
        let total = 0.5 + 0.3 + 0.1 + 0.4 + 0.3 + 0.01 + 1.0 + 0.5 + 0.01 + 0.2
        #expect(report.bannedHits.map(\.token) == ["host", "x7"])
        let host = report.bannedHits[0]
        #expect(host.rate == 0.25)
        #expect(host.topRate == 0.25)
        #expect(abs(host.massShare - 0.61 / total) < 1e-12)
        #expect(abs(host.meanAbsWeight - 0.61 / 2) < 1e-12)
        #expect(host.examples == ["a"])
        let x7 = report.bannedHits[1]
        #expect(x7.rate == 0.25 && x7.topRate == 0)
        #expect(host.hits == 1)
        // The one-sided 95% Wilson bound of 1 in 4 (Python, statistics.NormalDist): 0.05790732119985873.
        #expect(abs(host.rateLowerBound - 0.05790732119985873) < 1e-9)
        // One hit in four explanations is above the 10% limit but proves nothing yet: a warning.
        #expect(report.verdict == .warn)
        #expect(
            report.summary.hasPrefix(
                #"banned token "host" in the top-3 of 1 of 4 explanations (25%), above the limit 10% but not surely"#
            )
        )
        #expect(report.worst.map(\.document) == ["a", "b"])
        #expect(report.worst[0].text == "text a")
        #expect(report.worst[0].weights.count == 3)
        let plot = try #require(report.globalImportance.first)
        #expect(plot.token == "plot")
        #expect(abs(plot.meanAbsWeight - 1.7 / 4) < 1e-12)
        #expect(plot.topKRate == 0.75)
    }

    @Test func thresholdsDecideTheVerdict() throws {
        let banned = try BannedTokenList.parse("nntp", source: "b")
        let clean = (0..<50).map { Self.explanation("c\($0)", [("plot", 1), ("music", 0.5)]) }
        let dirty = Self.explanation("d", [("plot", 1), ("nntp", 0.06)])
        // One hit in 51 explanations (1.96%) carrying 0.06 / 76.06 of the mass: below every limit.
        #expect(
            SpuriousCheck.evaluate(clean + [dirty], texts: [:], banned: banned, settings: SpuriousSettings()).verdict
                == .pass
        )
        // Two hits in 52 (3.8%): above the 2% warning rate, below the 10% limit.
        let twice = SpuriousCheck.evaluate(
            clean + [dirty, dirty],
            texts: [:],
            banned: banned,
            settings: SpuriousSettings()
        )
        #expect(twice.verdict == .warn, "\(twice.summary)")
        // Rare but heavy, twice: above the 5% mass-share limit. Once is a single explanation: a warning.
        let heavy = Self.explanation("h", [("nntp", 10), ("plot", 1)])
        let massive = SpuriousCheck.evaluate(
            clean + [heavy, heavy],
            texts: [:],
            banned: banned,
            settings: SpuriousSettings()
        )
        #expect(massive.verdict == .fail)
        #expect(massive.summary.contains("of the attribution (limit 5%)"))
        let once = SpuriousCheck.evaluate(clean + [heavy], texts: [:], banned: banned, settings: SpuriousSettings())
        #expect(once.verdict == .warn, "\(once.summary)")
        #expect(
            SpuriousCheck.evaluate(clean, texts: [:], banned: banned, settings: SpuriousSettings()).bannedHits.isEmpty
        )
    }
}

extension SpuriousCheckTests {
    /// Reliance against coincidence: the same 17% rate fails on 40 explanations and warns on 6, where LIME's
    /// noise alone can produce it. Bounds from Python's statistics.NormalDist (one-sided 95% Wilson).
    @Test(arguments: [
        (hits: 1, of: 6, bound: 0.03810557007934285, verdict: Verdict.warn),
        (hits: 2, of: 6, bound: 0.11727609410228962, verdict: .fail),
        (hits: 6, of: 40, bound: 0.07960352832041787, verdict: .warn),
        (hits: 8, of: 40, bound: 0.11654735446233849, verdict: .fail),
    ])
    func hitRatesFailOnlyWhenSurelyAboveTheLimit(hits: Int, of total: Int, bound: Double, verdict: Verdict) throws {
        let banned = try BannedTokenList.parse("nntp", source: "b")
        let explanations = (0..<total).map { index in
            Self.explanation(
                "d\(index)",
                index < hits ? [("plot", 1), ("nntp", 0.06)] : [("plot", 1), ("music", 0.5)]
            )
        }
        var settings = SpuriousSettings()
        settings.maxMassShare = 1  // the rate alone decides
        let report = SpuriousCheck.evaluate(explanations, texts: [:], banned: banned, settings: settings)
        let hit = try #require(report.bannedHits.first)
        #expect(abs(hit.rateLowerBound - bound) < 1e-9)
        #expect(report.verdict == verdict, "\(report.summary)")
    }
}

@Suite struct StabilityCheckTests {
    /// An explanation of document `id` whose top features are `features`, in that order.
    static func explanation(_ id: String, _ features: [String]) -> Explanation {
        Explanation(
            documentID: id,
            label: 1,
            weights: features.map { FeatureWeight(feature: $0, weight: 1) },
            intercept: 0,
            score: 1,
            localPrediction: 0,
            prediction: 0
        )
    }

    @Test func meanPairwiseJaccardAcrossSeeds() {
        let explanation = Self.explanation
        let steady = [explanation("s", ["a", "b"]), explanation("s", ["B", "a"]), explanation("s", ["a", "b"])]
        // Pairs: {a,b}/{a,c} = 1/3, {a,b}/{c,d} = 0, {a,c}/{c,d} = 1/3.
        let shaky = [explanation("k", ["a", "b"]), explanation("k", ["a", "c"]), explanation("k", ["c", "d"])]
        let report = StabilityCheck.evaluate([steady, shaky], topK: 2, settings: StabilitySettings())
        #expect(abs(report.seedJaccard - (1 + 2.0 / 9) / 2) < 1e-12)
        #expect(report.verdict == .warn, "0.61 is below the 0.7 warning threshold")
        #expect(report.leastStable.map(\.document) == ["k"], "a document whose seeds agree exactly is not listed")
        #expect(abs(report.leastStable[0].jaccard - 2.0 / 9) < 1e-12)
        #expect(StabilityCheck.evaluate([shaky], topK: 2, settings: StabilitySettings()).verdict == .fail)
        var lenient = StabilitySettings()
        lenient.minJaccard = 0.2
        #expect(StabilityCheck.evaluate([shaky], topK: 2, settings: lenient).verdict == .warn)
    }

    @Test func theVerdictSettlesOnlyWhenEnoughDocumentsLieClearOfBothLimits() {
        func runs(_ id: String, _ seeds: [[String]]) -> [Explanation] { seeds.map { Self.explanation(id, $0) } }
        let steady = (0..<4).map { runs("s\($0)", [["a", "b"], ["a", "b"], ["b", "a"]]) }
        let shaky = (0..<2).map { runs("k\($0)", [["a", "b"], ["a", "c"], ["c", "d"]]) }
        let settings = StabilitySettings()
        #expect(StabilityCheck.isSettled(steady, perturbations: [], topK: 2, settings: settings))
        #expect(!StabilityCheck.isSettled(Array(steady.prefix(3)), perturbations: [], topK: 2, settings: settings))
        // Two documents at 1 and two at 2/9: the interval of the mean spans both limits.
        #expect(
            !StabilityCheck.isSettled(Array(steady.prefix(2)) + shaky, perturbations: [], topK: 2, settings: settings)
        )
        var everyDocument = settings
        everyDocument.settleConfidence = nil
        #expect(!StabilityCheck.isSettled(steady, perturbations: [], topK: 2, settings: everyDocument))
    }
}

@Suite struct ParserTests {
    @Test func bannedListsTakeWordsRegexesAndComments() throws {
        let text = "# header\nNNTP  # trailing comment\n\n   # indented comment\n/x[0-9]+/\n\tedu\r\n/a#b/\n"
        let list = try BannedTokenList.parse(text, source: "b")
        #expect(list.entries == ["NNTP", "/x[0-9]+/", "edu", "/a#b/"])
        #expect(list.matches("nntp"))
        #expect(list.matches("Nntp"))
        #expect(list.matches("X42"))
        #expect(list.matches("EDU"))
        #expect(list.matches("a#b"), "a '#' not after whitespace is part of the entry")
        #expect(!list.matches("x"))
        #expect(!list.matches("x42y"), "a regular expression must match the whole token")
        #expect(!list.matches("news"))
        #expect(!BannedTokenList.empty.matches("nntp"))
        #expect(BannedTokenList.empty.entries.isEmpty)
    }

    @Test(arguments: [
        (
            "ok\n/([/\n",
            #"b.txt:2: "/([/" is not a valid regular expression (ICU syntax); correct it or remove the line"#
        ),
        ("ok\n\n//\n", #"b.txt:3: "//" is an empty regular expression; write a pattern between the slashes"#),
        (
            "Posting-Host\n",
            #"b.txt:1: "Posting-Host" can never match: tokens are runs of letters, digits and '_'; list "Posting" and "Host" on lines of their own, or write a /regular expression/"#
        ),
        (
            "--\n",
            #"b.txt:1: "--" can never match: tokens are runs of letters, digits and '_'; write a word (letters, digits, '_') or a /regular expression/"#
        ),
    ])
    func badEntriesNameTheirLine(text: String, message: String) {
        #expect {
            try BannedTokenList.parse(text, source: "b.txt")
        } throws: { error in
            "\(error)" == message
        }
    }

    @Test func evaluationSetsParseLabelsOfEveryKind() throws {
        let text =
            "\u{FEFF}" + """
                {"id": "a", "text": "one", "label": 1}
                {"text": "two", "label": "0"}

                {"id": 7, "text": "three", "label": true}
                {"id": "b", "text": "four", "label": 1.0}
                {"id": "c", "text": "five", "label": false}\r
                """
        let set = try EvaluationSet.parse(jsonLines: Array(text.utf8), source: "e.jsonl", fields: EvaluationFields())
        #expect(set.documents.map(\.id) == ["a", "line-2", "7", "b", "c"])
        #expect(set.documents.map(\.isPositive) == [true, false, false, true, false])
        #expect(set.documents.map(\.label) == ["1", "0", "true", "1", "false"])
        let booleans = try EvaluationSet.parse(
            jsonLines: Array(text.utf8),
            source: "e.jsonl",
            fields: EvaluationFields(positiveLabel: "true")
        )
        #expect(booleans.documents.map(\.isPositive) == [false, false, true, false, false])
    }

    @Test func otherFieldNamesAreHonoured() throws {
        let text = #"{"doc": "x", "body": "hello", "y": "spam"}"# + "\n" + #"{"doc": "z", "body": "hi", "y": "ham"}"#
        let set = try EvaluationSet.parse(
            jsonLines: Array(text.utf8),
            source: "e.jsonl",
            fields: EvaluationFields(text: "body", label: "y", id: "doc", positiveLabel: "spam")
        )
        #expect(
            set.documents == [
                LabeledDocument(id: "x", text: "hello", isPositive: true, label: "spam"),
                LabeledDocument(id: "z", text: "hi", isPositive: false, label: "ham"),
            ]
        )
    }

    @Test(arguments: [
        (
            "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\" \"label\": 0}\n",
            #"e.jsonl:2: not valid JSON; each line must be one JSON object, such as {"text": "…", "label": "1"}"#
        ),
        (
            "{\"text\": \"a\", \"label\": 1}\n{\"label\": 0}\n",
            #"e.jsonl:2: field "text" is missing or not a string; set TextField= if the text is elsewhere"#
        ),
        (
            "{\"text\": 5, \"label\": 1}\n",
            #"e.jsonl:1: field "text" is missing or not a string; set TextField= if the text is elsewhere"#
        ),
        (
            "{\"text\": \"a\"}\n",
            #"e.jsonl:1: field "label" is missing or not a string, number or boolean; set LabelField= if the label is elsewhere"#
        ),
        (
            "{\"text\": \"a\", \"label\": 1}\n[1]\n",
            #"e.jsonl:2: not a JSON object; each line must be one JSON object, such as {"text": "…", "label": "1"}"#
        ),
        (
            "{\"id\": \"x\", \"text\": \"a\", \"label\": 1}\n\n{\"id\": \"x\", \"text\": \"b\", \"label\": 0}\n",
            #"e.jsonl:3: id "x" is already used on line 1; reports name documents by id, so make ids unique"#
        ),
        (
            "{\"text\": \"a\", \"label\": 1}\n",
            #"e.jsonl: has 1 documents labelled "1" and 0 others; AUC needs both classes (check PositiveLabel=)"#
        ),
        ("\n\n", "e.jsonl: holds no documents"),
    ])
    func malformedEvaluationSetsNameFileAndLine(text: String, message: String) {
        do {
            _ = try EvaluationSet.parse(jsonLines: Array(text.utf8), source: "e.jsonl", fields: EvaluationFields())
            Issue.record("expected an error")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func invalidUTF8NamesTheLine() {
        let bytes =
            Array(#"{"text": "a", "label": 1}"#.utf8) + [0x0A] + Array(#"{"text": ""#.utf8) + [0xFF, 0xFE]
            + Array(#"", "label": 0}"#.utf8)
        do {
            _ = try EvaluationSet.parse(jsonLines: bytes, source: "e.jsonl", fields: EvaluationFields())
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "e.jsonl:2: not valid UTF-8; save the file as UTF-8")
        }
    }
}

extension Array where Element: Sendable {
    /// The results of `transform` on each element, in order, one after the other.
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}
