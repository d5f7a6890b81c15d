/// The AUC suite's phase: the scored evaluation set against the floor and the champion.
struct AUCPhase {
    let context: RunContext

    /// The AUC report; its cost includes the scoring of the evaluation set, which it measures.
    ///
    /// - Throws: ``ValidationFailure`` when the AUC cannot be computed (a single class, or one score for all).
    func run(_ scored: ScoredEvaluation) throws -> AUCReport {
        let clock = PhaseClock()
        let request = context.request
        let documents = request.evaluation.documents
        var auc: AUCReport
        do {
            if request.evaluation.isMultiClass {
                let byLabel = { (classes: [String], columns: [[Double]]) in
                    Dictionary(zip(classes, columns), uniquingKeysWith: { first, _ in first })
                }
                auc = try AUCCheck.evaluateMultiClass(
                    challenger: byLabel(request.challenger.classes, scored.challengerColumns),
                    champion: scored.championColumns.map { byLabel(request.champion?.classes ?? [], $0) },
                    labels: documents.map(\.label),
                    settings: request.settings.auc
                )
            } else {
                auc = try AUCCheck.evaluate(
                    challenger: scored.challengerScores,
                    champion: scored.championScores,
                    positives: documents.map(\.isPositive),
                    settings: request.settings.auc
                )
            }
        } catch {
            throw ValidationFailure("AUC: \(error)")
        }
        if let championError = scored.championError {
            auc.championError = championError
            auc.summary += "; \(championError), so it was judged on the floor alone"
        }
        auc.record(scored.cost + clock.cost)
        return auc
    }
}
