/// A classifier's probabilities for a list of texts, in batches, with its output checked.
enum ModelScoring {
    /// Texts per classifier call.
    static let batch = 512

    /// Every class's probability for every text: one column per class, in the classifier's class order.
    ///
    /// - Parameters:
    ///   - role: The classifier in messages, `the model` or `the champion`.
    ///   - plural: What the texts are, for messages (`evaluation documents`).
    ///   - name: The name of text `i` in messages (`evaluation document test-3`).
    /// - Throws: ``ValidationFailure`` when the classifier fails, returns the wrong shape, or a row that is not a
    ///   probability distribution.
    static func score(
        _ classifier: any TextClassifier,
        _ texts: [String],
        role: String = "the model",
        plural: String,
        name: (Int) -> String,
        progress: ProgressSink? = nil
    ) throws -> [[Double]] {
        let classes = classifier.classes.count
        var columns = [[Double]](repeating: [], count: classes)
        for start in stride(from: 0, to: texts.count, by: batch) {
            let chunk = Array(texts[start..<min(start + batch, texts.count)])
            let probabilities: ProbabilityMatrix
            do {
                probabilities = try classifier.predictProbabilities(chunk)
            } catch {
                throw ValidationFailure(
                    "\(role) failed to score \(plural) \(start + 1)–\(start + chunk.count): \(error)"
                )
            }
            guard probabilities.rows == chunk.count, probabilities.columns == classes else {
                throw ValidationFailure(
                    "\(role) returned \(probabilities.rows) rows of \(probabilities.columns) classes for \(chunk.count) texts "
                        + "and \(classes) classes; its output must have one row per text and one column per class it announces"
                )
            }
            for row in 0..<chunk.count {
                if let problem = probabilities.problem(inRow: row) {
                    throw ValidationFailure(
                        "\(role)'s output for \(name(start + row)) is unusable: \(problem) "
                            + "(overflowing weights, or a scorer that does not return probabilities)"
                    )
                }
            }
            for column in 0..<classes { columns[column].append(contentsOf: probabilities.column(column)) }
            progress?(ValidationProgress(phase: .scoring, done: columns[0].count, total: texts.count))
        }
        return columns
    }

    /// The index of the largest value of each row of `columns`, the first one on a tie.
    static func predictedClasses(_ columns: [[Double]]) -> [Int] {
        guard let rows = columns.first?.count else { return [] }
        return (0..<rows).map { row in
            columns.indices.max { (columns[$0][row], $1) < (columns[$1][row], $0) } ?? 0
        }
    }

    /// The predicted class (highest probability) of each edited text.
    static func predictedClasses(_ texts: [String], classifier: any TextClassifier) throws -> [Int] {
        predictedClasses(try score(classifier, texts, plural: "perturbed texts", name: { "perturbed text \($0 + 1)" }))
    }
}
