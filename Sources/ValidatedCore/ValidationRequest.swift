/// What to validate: a challenger, perhaps a champion, and the folder's data and settings.
public struct ValidationRequest: Sendable {
    /// The model being judged.
    public var challenger: any TextClassifier
    /// Its content hash; explanation seeds derive from it.
    public var challengerSHA256: String
    /// The current champion, if the folder has one.
    public var champion: (any TextClassifier)?
    /// The champion's probabilities of the positive class on ``evaluation``, when already known; the champion
    /// is then not scored again.
    public var championScores: [Double]?
    /// The evaluation set.
    public var evaluation: EvaluationSet
    /// The positive class label, as in the classifiers' ``TextClassifier/classes``. Default `1`.
    public var positiveClass: String
    /// The banned tokens.
    public var banned: BannedTokenList
    /// Suite settings.
    public var settings: ValidationSettings

    /// Creates a request.
    public init(
        challenger: any TextClassifier,
        challengerSHA256: String,
        champion: (any TextClassifier)? = nil,
        championScores: [Double]? = nil,
        evaluation: EvaluationSet,
        positiveClass: String = "1",
        banned: BannedTokenList = .empty,
        settings: ValidationSettings = ValidationSettings()
    ) {
        self.challenger = challenger
        self.challengerSHA256 = challengerSHA256
        self.champion = champion
        self.championScores = championScores
        self.evaluation = evaluation
        self.positiveClass = positiveClass
        self.banned = banned
        self.settings = settings
    }
}

/// A phase of a validation, as progress reports name it.
public enum ValidationPhase: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Scoring the documents of the evaluation set.
    case scoring
    /// The challenger's LIME explanations of the spurious suite's documents.
    case explaining
    /// The champion's explanations of the same documents.
    case explainingChampion = "explaining champion"
    /// The stability suite's documents explained under other seeds.
    case seeds
    /// Explaining random label-preserving edits of the stability suite's documents.
    case perturbations
    /// The greedy search for the edits that move an explanation most.
    case attack

    /// The name shown on the progress line: the raw value.
    public var description: String { rawValue }
}

/// How far a validation has come.
public struct ValidationProgress: Sendable, Equatable {
    /// The phase.
    public var phase: ValidationPhase
    /// Units done in this phase.
    public var done: Int
    /// Units in this phase.
    public var total: Int

    /// Creates a progress report.
    public init(phase: ValidationPhase, done: Int, total: Int) {
        self.phase = phase
        self.done = done
        self.total = total
    }
}
