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
        let ours = try Self.scores(edits, model: challenger, label: context.label, role: "the model") {
            (scored.challengerScores[$0], scored.predicted[$0])
        }
        let tests = CounterfactualCheck.tests(
            edits,
            documents: documents,
            challenger: ours,
            champion: championScores(edits, scored, meter: clock.meter),
            settings: settings
        )
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
