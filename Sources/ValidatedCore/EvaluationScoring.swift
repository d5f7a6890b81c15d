/// The scoring phase's output: both models' probabilities for every evaluation document.
struct ScoredEvaluation: Sendable {
    /// The challenger's probability of each of its classes, one column per class, in its class order.
    var challengerColumns: [[Double]]
    /// The challenger's probability of the positive class per document.
    var challengerScores: [Double]
    /// The challenger's predicted class index per document.
    var predicted: [Int]
    /// The champion's columns, when it was scored here.
    var championColumns: [[Double]]?
    /// The champion's probability of the positive class per document: given by the request, or scored here.
    var championScores: [Double]?
    /// Why a champion could not be scored; the challenger is then judged on the floor alone.
    var championError: String?
    /// The challenger's cut evaluation documents (row indices), when it reads a limited length.
    var truncatedRows: [Int] = []
    /// What scoring cost.
    var cost: PhaseCost
}

/// The scoring phase: the evaluation set through the challenger and, unless its scores are known, the champion.
struct EvaluationScoring {
    let context: RunContext

    func run() throws -> ScoredEvaluation {
        let clock = PhaseClock()
        let request = context.request
        let documents = request.evaluation.documents
        let texts = documents.map(\.text)
        let name = { (row: Int) in "evaluation document \(documents[row].id)" }
        let challengerColumns = try ModelScoring.score(
            context.cache.classifier(request.challenger, role: .challenger, meter: clock.meter),
            texts,
            plural: "evaluation documents",
            name: name,
            progress: context.progress
        )
        var scored = ScoredEvaluation(
            challengerColumns: challengerColumns,
            challengerScores: challengerColumns[context.label],
            predicted: ModelScoring.predictedClasses(challengerColumns),
            cost: PhaseCost()
        )
        if let truncating = request.challenger as? any TruncatingClassifier {
            scored.truncatedRows = truncating.truncatedTexts(among: texts)
        }
        scored.championScores = request.championScores
        if request.evaluation.isMultiClass || scored.championScores?.count != documents.count {
            scored.championScores = nil
        }
        // A champion that cannot be scored is the champion's problem, not the challenger's: the challenger is
        // judged on the floor alone, as when the champion cannot be loaded.
        if scored.championScores == nil, let champion = request.champion {
            if let championLabel = champion.classes.firstIndex(of: request.positiveClass) {
                do {
                    let columns = try ModelScoring.score(
                        context.cache.classifier(champion, role: .champion, meter: clock.meter),
                        texts,
                        role: "the champion",
                        plural: "evaluation documents",
                        name: name
                    )
                    scored.championColumns = columns
                    scored.championScores = columns[championLabel]
                } catch {
                    scored.championError = "\(error)"
                }
            } else {
                scored.championError =
                    "the champion's classes \(champion.classes) do not include the positive label \"\(request.positiveClass)\" (PositiveLabel=)"
            }
        }
        scored.cost = clock.cost
        return scored
    }
}
