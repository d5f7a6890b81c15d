/// A classifier that reads only the first part of a long text, and says which texts it cut.
///
/// A transformer reads at most its maximum sequence length in tokens; words past it change neither the
/// prediction nor an explanation, so an artefact at the end of a long document is invisible to every suite.
/// The validator reports such documents instead of judging them silently.
public protocol TruncatingClassifier: TextClassifier {
    /// The longest input the model reads, in its own units (tokens for a transformer), when known.
    var maximumInputLength: Int? { get }

    /// The indices of those `texts` that the classifier has cut to ``maximumInputLength`` in calls so far.
    func truncatedTexts(among texts: [String]) -> [Int]
}
