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

    /// One class's probabilities for every text.
    public func column(_ column: Int) -> [Double] {
        (0..<rows).map { values[$0 * columns + column] }
    }
}
