/// The counterfactual suite's phase: the banned entries erased and injected (``CounterfactualPlan``), the edited
/// texts scored by the challenger and the champion through the run's cache, leave-one-token-out with the label
/// skew (``ShortcutSearch``), and LIME's global importance held against the erasures.
struct CounterfactualPhase {
    let context: RunContext

    /// The report, or `nil` when ``CounterfactualSettings/documents`` is 0.
    func run(
        _ plan: ExplanationPlan,
        _ explained: ChallengerExplanations,
        _ scored: ScoredEvaluation
    ) throws -> CounterfactualReport? {
        let request = context.request
        let settings = request.settings.counterfactual
        guard settings.documents > 0 else { return nil }
        let clock = PhaseClock()
        let documents = request.evaluation.documents
        let edits = CounterfactualPlan(
            documents: documents,
            words: plan.words,
            banned: request.banned,
            settings: settings,
            lime: request.settings.lime
        )
        let challenger = context.cache.classifier(request.challenger, role: .challenger, meter: clock.meter)
        let tests = try sequentialTests(edits, challenger: challenger, scored: scored, meter: clock.meter)
        let explainedRows = explained.primary.map(\.planned.row)
        let search = ShortcutSearch(
            rows: Array(
                Set(ExplanationPlan.spread(Array(documents.indices), count: settings.documents) + explainedRows)
            ).sorted(),
            documents: documents,
            lime: request.settings.lime
        )
        let leftOut = try ModelScoring.score(
            challenger,
            search.probes.map(\.text),
            plural: "texts left one token out",
            name: { "\(documents[search.probes[$0].row].id) without \"\(search.probes[$0].token)\"" }
        )[context.label]
        let effects = search.effects(before: scored.challengerScores, after: leftOut)
        let candidates = ShortcutSearch.candidates(
            effects: effects,
            documents: documents,
            words: plan.words,
            settings: settings
        )
        let (verdict, summary) = CounterfactualCheck.summarize(tests, candidates: candidates, settings: settings)
        var report = CounterfactualReport(
            verdict: verdict,
            summary: summary,
            tests: tests,
            erasureOnly: edits.erasureOnly,
            absent: edits.absent,
            leaveOneOutDocuments: Set(search.probes.map(\.row)).count,
            candidates: candidates,
            candidatesWarn: settings.candidatesWarn,
            agreement: CounterfactualAgreement.measure(
                candidates: candidates,
                effects: effects,
                explainedRows: Set(explainedRows),
                importance: GlobalImportance(explained.primary.map(\.positive)),
                banned: request.banned
            )
        )
        report.record(clock.cost)
        return report
    }

    /// The tests of `edits`, each measured on a growing share of its documents (``CounterfactualPlan/looks``)
    /// until more could not plausibly change its verdict (``CounterfactualCheck/isSettled(_:settings:)``), and
    /// reported with 95% intervals over the documents it was measured on.
    private func sequentialTests(
        _ edits: CounterfactualPlan,
        challenger: CachedClassifier,
        scored: ScoredEvaluation,
        meter: ScoringMeter
    ) throws -> [CounterfactualReport.Test] {
        let (settings, documents) = (context.request.settings.counterfactual, context.request.evaluation.documents)
        let counts = edits.documentCounts
        var cuts = counts.map { _ in 0 }
        var open = Set(edits.tests.indices)
        var ours = ProbeAnswers()
        var theirs: ProbeAnswers? = context.request.champion == nil ? nil : ProbeAnswers()
        var tests: [Int: CounterfactualReport.Test] = [:]
        let looks = settings.stopEarly ? CounterfactualPlan.looks : [1]
        for (look, share) in looks.enumerated() where !open.isEmpty {
            for test in open { cuts[test] = (counts[test] + share - 1) / share }
            let included = edits.probes(ofFirstDocuments: cuts)
            let fresh = included.filter { !ours.holds($0) }
            let new = edits.selecting(fresh)
            let answers = try Self.scores(new, model: challenger, label: context.label, role: "the model") {
                (scored.challengerScores[$0], scored.predicted[$0])
            }
            ours.add(answers, for: fresh)
            if theirs != nil {
                // A champion that cannot score a look's texts is left out of the tests measured from then on.
                if let answers = championScores(new, scored, meter: meter) {
                    theirs?.add(answers, for: fresh)
                } else {
                    theirs = nil
                }
            }
            let plan = edits.selecting(included)
            func measure(_ confidence: Double) -> [Int: CounterfactualReport.Test] {
                CounterfactualCheck.tests(
                    plan,
                    documents: documents,
                    challenger: ours.scores(of: included),
                    champion: theirs?.scores(of: included),
                    settings: settings,
                    confidence: confidence
                )
            }
            let reported = measure(0.95)
            let interim =
                look == looks.count - 1 ? nil : measure(CounterfactualCheck.interimConfidence)
            for test in open where interim?[test].map({ CounterfactualCheck.isSettled($0, settings: settings) }) ?? true
            {
                tests[test] = reported[test]
                open.remove(test)
            }
        }
        return tests.keys.sorted().map { tests[$0]! }
    }

    /// The champion's answers to the same edited texts; `nil` without a champion, or when it lacks the positive
    /// class or cannot score them (the AUC suite reports why).
    private func championScores(
        _ edits: CounterfactualPlan,
        _ scored: ScoredEvaluation,
        meter: ScoringMeter
    ) -> CounterfactualScores? {
        let request = context.request
        guard let champion = request.champion, let before = scored.championScores,
            let label = champion.classes.firstIndex(of: request.positiveClass)
        else { return nil }
        let model = context.cache.classifier(champion, role: .champion, meter: meter)
        return try? Self.scores(edits, model: model, label: label, role: "the champion") { (before[$0], 0) }
    }

    /// `model`'s answers to the probes' texts and controls; `original` gives an evaluation row's P(positive class)
    /// and predicted class, scored before.
    private static func scores(
        _ edits: CounterfactualPlan,
        model: CachedClassifier,
        label: Int,
        role: String,
        original: (Int) -> (Double, Int)
    ) throws -> CounterfactualScores {
        let controls = edits.probes.compactMap(\.control)
        let columns = try ModelScoring.score(
            model,
            edits.probes.map(\.text) + controls,
            role: role,
            plural: "counterfactual texts",
            name: { "counterfactual text \($0 + 1)" }
        )
        let predicted = ModelScoring.predictedClasses(columns)
        var before: [Double] = []
        var predictedBefore: [Int] = []
        var next = edits.probes.count
        for probe in edits.probes {
            if probe.control != nil {
                before.append(columns[label][next])
                predictedBefore.append(predicted[next])
                next += 1
            } else {
                let (probability, predictedClass) = original(probe.row)
                before.append(probability)
                predictedBefore.append(predictedClass)
            }
        }
        return CounterfactualScores(
            before: before,
            after: Array(columns[label].prefix(edits.probes.count)),
            predictedBefore: predictedBefore,
            predictedAfter: Array(predicted.prefix(edits.probes.count)),
            positive: label
        )
    }
}

/// One model's answers to the probes of a ``CounterfactualPlan`` scored so far, by the probe's index in the plan.
private struct ProbeAnswers {
    private var answers: [Int: (before: Double, after: Double, predictedBefore: Int?, predictedAfter: Int?)] = [:]
    private var positive = 0

    /// Whether probe `index` has been answered.
    func holds(_ index: Int) -> Bool { answers[index] != nil }

    /// Records `scores`, the answers to the probes `indices` in order.
    mutating func add(_ scores: CounterfactualScores, for indices: [Int]) {
        positive = scores.positive
        for (position, index) in indices.enumerated() {
            answers[index] = (
                scores.before[position], scores.after[position], scores.predictedBefore?[position],
                scores.predictedAfter?[position]
            )
        }
    }

    /// The answers to the probes `indices`, all held, in that order.
    func scores(of indices: [Int]) -> CounterfactualScores {
        let rows = indices.map { answers[$0]! }
        let predictedBefore = rows.compactMap(\.predictedBefore)
        let predictedAfter = rows.compactMap(\.predictedAfter)
        return CounterfactualScores(
            before: rows.map(\.before),
            after: rows.map(\.after),
            predictedBefore: predictedBefore.count == rows.count ? predictedBefore : nil,
            predictedAfter: predictedAfter.count == rows.count ? predictedAfter : nil,
            positive: positive
        )
    }
}

/// Whether LIME's global importance ranks tokens the way erasing them moves the model (pure).
///
/// Both sides aggregate the same documents, the ones LIME explained, the same way: SP-LIME's importance of a token
/// is `√Σ|weight|` over the explanations, its erasure effect `√Σ|shift|` over the same documents with the token
/// left out (every occurrence), so a token that is frequent and a token that is strong are treated alike by both.
enum CounterfactualAgreement {
    /// Tokens taken from each top list.
    static let top = 10

    /// Kendall's τ-b between LIME's importance and the erasure effect over the banned entries present in the
    /// explained documents, the candidates, and the top tokens of LIME and of the erasures.
    static func measure(
        candidates: [CounterfactualReport.Candidate],
        effects: [String: (shifts: [Double], rows: [Int])],
        explainedRows: Set<Int>,
        importance: GlobalImportance,
        banned: BannedTokenList
    ) -> CounterfactualReport.Agreement {
        let erasure = effects.compactMapValues { effect -> Double? in
            let total = zip(effect.shifts, effect.rows).filter { explainedRows.contains($0.1) }.reduce(0) {
                $0 + abs($1.0)
            }
            return effect.rows.contains(where: explainedRows.contains) ? total.squareRoot() : nil
        }
        var tokens: [CounterfactualReport.Agreement.Token] = []
        for (entry, name) in banned.entries.enumerated() {
            let matching = erasure.keys.filter { banned.entry(entry, matches: $0) }
            guard !matching.isEmpty else { continue }
            tokens.append(
                .init(
                    token: name,
                    importance: matching.map { importance.importance[$0] ?? 0 }.max()!,
                    erasureEffect: matching.map { erasure[$0]! }.max()!
                )
            )
        }
        let byEffect = erasure.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(top).map(\.key)
        let byImportance = importance.ranked.filter { erasure[$0] != nil }.prefix(top)
        var seen = Set(tokens.map(\.token))
        for token in candidates.map(\.token) + byImportance + byEffect where seen.insert(token).inserted {
            guard let effect = erasure[token] else { continue }
            tokens.append(.init(token: token, importance: importance.importance[token] ?? 0, erasureEffect: effect))
        }
        let tau =
            tokens.count >= 3
            ? ExplanationAgreement.kendallTauB(tokens.map(\.importance), tokens.map(\.erasureEffect)) : nil
        return CounterfactualReport.Agreement(kendallTau: tau, tokens: tokens)
    }
}
