/// A classifier that can score LIME's perturbations of a text from which features they keep, without the
/// perturbed texts being built and tokenised again.
///
/// A bag-of-words model, for example, sees a perturbation only through the token counts of the words it
/// keeps, so it can precompute each feature's counts once per text and score each of the thousands of samples
/// in time proportional to the number of features. ``LimeTextExplainer`` asks for a scorer before scoring a
/// neighbourhood and builds the texts only when it gets `nil`.
public protocol MaskedTextScoring: TextClassifier {
    /// A scorer of the perturbations of `text`, or `nil` when this text cannot be scored that way (for
    /// example when a removal would join two tokens, or words are masked rather than deleted).
    ///
    /// The scorer must give, for every `keep`, the probabilities ``TextClassifier/predictProbabilities(_:)``
    /// gives for `text.removing(keep:)`, up to rounding.
    func maskedScorer(for text: IndexedText) -> (any MaskedTextScorer)?
}

/// Scores the perturbations of one text; used by one explanation at a time, so it may keep scratch space.
public protocol MaskedTextScorer {
    /// The number of classes, the length of each row of probabilities.
    var classCount: Int { get }

    /// Writes the class probabilities of the text that keeps exactly the features where `keep` is true.
    ///
    /// - Parameters:
    ///   - keep: One flag per feature of the text the scorer was made for.
    ///   - probabilities: Room for ``classCount`` values.
    mutating func score(keep: UnsafeBufferPointer<Bool>, into probabilities: UnsafeMutableBufferPointer<Double>)
}
