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

    /// Writes the class probabilities of the text that keeps exactly the features `kept`.
    ///
    /// - Parameters:
    ///   - kept: The kept features of the text the scorer was made for.
    ///   - probabilities: Room for ``classCount`` values.
    mutating func score(kept: KeptFeatures, into probabilities: UnsafeMutableBufferPointer<Double>)
}

/// The features one perturbation keeps, as bits: feature `f` is kept when bit `f % 64` of `words[f / 64]` is
/// set. The bits past the last feature are clear.
///
/// This is how ``LimeTextExplainer`` stores its samples, so a scorer reads them where they are, and may read
/// them a word at a time.
public struct KeptFeatures {
    /// The bits, one word per 64 features.
    public let words: UnsafeBufferPointer<UInt64>

    /// Wraps `words`, valid for as long as the value is used.
    @inlinable
    public init(words: UnsafeBufferPointer<UInt64>) {
        self.words = words
    }

    /// Whether feature `feature` is kept.
    @inlinable
    public subscript(feature: Int) -> Bool {
        words[feature &>> 6] &>> UInt64(truncatingIfNeeded: feature & 63) & 1 != 0
    }
}
