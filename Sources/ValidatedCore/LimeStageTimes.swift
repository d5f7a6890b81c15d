/// Time spent in each stage of explanations, summed over the explanations that were given it.
public struct LimeStageTimes: Sendable, Equatable {
    /// Splitting the text into features and drawing the neighbourhood's masks.
    public var sampling: Duration = .zero
    /// Building the perturbed texts (when the classifier needs them) and scoring them.
    public var scoring: Duration = .zero
    /// Distances and kernel weights.
    public var distances: Duration = .zero
    /// Accumulating the regression's sums, selecting features and fitting the surrogates.
    public var fit: Duration = .zero

    /// No time yet.
    public init() {}
}
