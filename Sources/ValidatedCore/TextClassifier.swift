/// A model that turns texts into class probabilities: what every suite needs of a checkpoint.
///
/// Implementations must be safe to call from several tasks at once: explanations of different documents run
/// in parallel.
public protocol TextClassifier: Sendable {
    /// Class labels in output-column order, for example `["0", "1"]`.
    var classes: [String] { get }

    /// Probabilities for each text, one row per text, columns in ``classes`` order.
    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix
}

/// Class probabilities of a batch of texts, stored row-major.
public struct ProbabilityMatrix: Sendable, Equatable {
    /// One row per text.
    public let rows: Int
    /// One column per class.
    public let columns: Int
    /// `rows × columns` values, row-major.
    public var values: [Double]

    /// Creates a matrix; `values.count` must be `rows × columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "ProbabilityMatrix needs rows × columns values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The probability of class `column` for text `row`.
    public subscript(row: Int, column: Int) -> Double {
        values[row * columns + column]
    }

    /// What is wrong with row `row`, or `nil` when it is a probability distribution: every value finite and in
    /// [0, 1], and the values summing to 1 within `tolerance`.
    ///
    /// A model whose weights overflow binary64 on some input, or a scorer process with a bug, gives rows that fail
    /// this; the suites must not average or rank such numbers.
    public func problem(inRow row: Int, tolerance: Double = 1e-6) -> String? {
        let rowValues = values[(row * columns)..<((row + 1) * columns)]
        if let bad = rowValues.first(where: { !$0.isFinite || $0 < 0 || $0 > 1 }) {
            return "probability \(bad) is not a number in [0, 1]"
        }
        let total = rowValues.reduce(0, +)
        guard abs(total - 1) <= tolerance else { return "probabilities sum to \(total), not 1" }
        return nil
    }

    /// One class's probabilities for every text.
    public func column(_ column: Int) -> [Double] {
        (0..<rows).map { values[$0 * columns + column] }
    }
}
