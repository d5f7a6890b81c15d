import Foundation
import ValidatedCore

/// P(1) = sigmoid(3·[contains `positive`] − 3·[contains `negative`]): a model whose reasons are known.
struct KeywordClassifier: TextClassifier {
    var classes: [String] { ["0", "1"] }
    var positive = "good"
    var negative = "bad"

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        var values: [Double] = []
        values.reserveCapacity(2 * texts.count)
        for text in texts {
            let words = Set(IndexedText(text).words)
            let z = 3.0 * (words.contains(positive) ? 1 : 0) - 3.0 * (words.contains(negative) ? 1 : 0)
            let p = 1 / (1 + exp(-z))
            values += [1 - p, p]
        }
        return ProbabilityMatrix(rows: texts.count, columns: 2, values: values)
    }
}

/// A model that cannot score anything.
struct FailingClassifier: TextClassifier {
    struct Broken: Error, CustomStringConvertible {
        var description: String { "the scorer process exited with status 1" }
    }

    var classes: [String] { ["0", "1"] }
    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix { throw Broken() }
}

/// Wraps a model and remembers every batch it was asked to score.
final class RecordingClassifier: TextClassifier, @unchecked Sendable {
    let wrapped: any TextClassifier
    private let lock = NSLock()
    private var recorded: [[String]] = []

    init(_ wrapped: any TextClassifier) {
        self.wrapped = wrapped
    }

    var classes: [String] { wrapped.classes }

    var batches: [[String]] { lock.withLock { recorded } }

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        lock.withLock { recorded.append(texts) }
        return try wrapped.predictProbabilities(texts)
    }
}

/// Returns what it is told to, whatever the texts: for malformed-output tests.
struct ScriptedClassifier: TextClassifier {
    var classes: [String] = ["0", "1"]
    var rows: @Sendable (Int) -> Int = { $0 }
    var value: Double = 0.5

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        let count = rows(texts.count)
        return ProbabilityMatrix(rows: count, columns: 2, values: Array(repeating: value, count: 2 * count))
    }
}
