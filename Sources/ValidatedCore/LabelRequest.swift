/// The classes the spurious suite explains, resolved against one model's classes.
struct LabelRequest: Sendable {
    /// Class indices explained from one neighbourhood, the positive class first; `nil` with ``top``.
    var indices: [Int]?
    /// The number of most probable classes explained, for ``ExplainedLabels/top(_:)``.
    var top: Int

    /// Resolves `labels` against `classes`.
    ///
    /// - Throws: ``ValidationFailure`` naming a class the model does not have.
    init(_ labels: ExplainedLabels, classes: [String], positive: Int) throws {
        switch labels {
        case .positive:
            indices = [positive]
            top = 0
        case .classes(let names):
            var indices = [positive]
            for name in names {
                guard let index = classes.firstIndex(of: name) else {
                    throw ValidationFailure(
                        "[Explain] Labels= names the class \"\(name)\", which is not one of the model's classes \(classes); correct Labels="
                    )
                }
                if !indices.contains(index) { indices.append(index) }
            }
            self.indices = indices
            top = 0
        case .top(let count):
            indices = nil
            top = count
        }
    }

    /// The job's explanations of the wanted classes, from one neighbourhood.
    func explain(
        _ job: ExplanationJob,
        explainer: LimeTextExplainer,
        classifier: any TextClassifier
    ) throws -> [Explanation] {
        if let indices {
            return try explainer.explain(
                job.text,
                documentID: job.documentID,
                labels: indices,
                classifier: classifier,
                seed: job.seed,
                focus: job.focus
            )
        }
        return try explainer.explain(
            job.text,
            documentID: job.documentID,
            topLabels: top,
            classifier: classifier,
            seed: job.seed,
            focus: job.focus
        )
    }

    /// The job's explanations of the wanted classes, and of the positive class (from the same neighbourhood when
    /// it is among them; otherwise explained on its own, with the same seed).
    func explain(
        _ job: ExplanationJob,
        explainer: LimeTextExplainer,
        classifier: any TextClassifier,
        positive: Int
    ) throws -> (positive: Explanation, explained: [Explanation]) {
        let explained = try explain(job, explainer: explainer, classifier: classifier)
        if let own = explained.first(where: { $0.label == positive }) { return (own, explained) }
        let own = try explainer.explain(
            job.text,
            documentID: job.documentID,
            label: positive,
            classifier: classifier,
            seed: job.seed,
            focus: job.focus
        )
        return (own, explained)
    }
}
