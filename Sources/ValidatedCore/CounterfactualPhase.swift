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
        let columns = try ModelScoring.score(
            challenger,
            edits.probes.map(\.text),
            plural: "counterfactual texts",
            name: { "the counterfactual text of \(documents[edits.probes[$0].row].id)" }
        )
        let ours = CounterfactualScores(
            before: scored.challengerScores,
            after: columns[context.label],
            predictedBefore: scored.predicted,
            predictedAfter: ModelScoring.predictedClasses(columns)
        )
        let tests = CounterfactualCheck.tests(
            edits,
            documents: documents,
            challenger: ours,
            champion: championScores(edits, scored, meter: clock.meter),
            settings: settings
        )
        let search = ShortcutSearch(
            rows: ExplanationPlan.spread(Array(documents.indices), count: settings.documents),
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
                tests: tests,
                candidates: candidates,
                effects: effects,
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
        guard
            let columns = try? ModelScoring.score(
                model,
                edits.probes.map(\.text),
                role: "the champion",
                plural: "counterfactual texts",
                name: { "counterfactual text \($0 + 1)" }
            )
        else { return nil }
        return CounterfactualScores(before: before, after: columns[label])
    }
}

/// Whether LIME's global importance ranks tokens the way erasing them moves the model (pure).
enum CounterfactualAgreement {
    /// Tokens taken from each top list.
    static let top = 10

    /// Kendall's τ-b between LIME's importance and the erasure effect over the banned entries erased, the
    /// candidates, and the top tokens of LIME and of leave-one-out.
    static func measure(
        tests: [CounterfactualReport.Test],
        candidates: [CounterfactualReport.Candidate],
        effects: [String: (shifts: [Double], rows: [Int])],
        importance: GlobalImportance,
        banned: BannedTokenList
    ) -> CounterfactualReport.Agreement {
        var tokens: [CounterfactualReport.Agreement.Token] = []
        var seen: Set<String> = []
        for test in tests where test.kind == "erasure" {
            guard let entry = banned.entries.firstIndex(of: test.entry), seen.insert(test.entry).inserted else { continue }
            let weight = importance.ranked.filter { banned.entry(entry, matches: $0) }.map { importance.importance[$0]! }
            tokens.append(.init(token: test.entry, importance: weight.max() ?? 0, erasureEffect: test.meanAbsShift))
        }
        let meanAbs = effects.filter { $0.value.shifts.count >= ShortcutSearch.minimumLeftOut }.mapValues {
            $0.shifts.reduce(0) { $0 + abs($1) } / Double($0.shifts.count)
        }
        let byEffect = meanAbs.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(top).map(\.key)
        let byImportance = importance.ranked.filter { meanAbs[$0] != nil }.prefix(top)
        for token in candidates.map(\.token) + byImportance + byEffect where seen.insert(token).inserted {
            guard let effect = meanAbs[token] else { continue }
            tokens.append(.init(token: token, importance: importance.importance[token] ?? 0, erasureEffect: effect))
        }
        let tau =
            tokens.count >= 3
            ? ExplanationAgreement.kendallTauB(tokens.map(\.importance), tokens.map(\.erasureEffect)) : nil
        return CounterfactualReport.Agreement(kendallTau: tau, tokens: tokens)
    }
}
