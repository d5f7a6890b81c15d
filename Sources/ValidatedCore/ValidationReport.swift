/// A verdict, ordered from best to worst: the overall verdict is the worst of the checks'.
public enum Verdict: String, Sendable, Codable, Comparable, CaseIterable {
    /// A suite that measured nothing (a stability suite configured with no documents, say). Only a suite's
    /// verdict: it ranks below `pass` and leaves a run's verdict to the suites that measured something.
    case skipped
    /// Every check passed.
    case pass
    /// Something deserves a look, nothing failed.
    case warn
    /// A check failed: do not trust this model.
    case fail
    /// The model could not be evaluated.
    case error

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
}

/// Everything the three suites found about one model. Encoded as the `--json` output and stored per run.
public struct ValidationReport: Sendable, Codable, Equatable {
    /// The results of each suite.
    public struct Checks: Sendable, Codable, Equatable {
        /// Spurious features.
        public var spurious: SpuriousReport?
        /// Interpretation stability.
        public var stability: StabilityReport?
        /// AUC against the floor and the champion.
        public var auc: AUCReport?
        /// Banned entries erased and injected, and shortcuts not on the list (absent in reports stored before
        /// the suite existed).
        public var counterfactual: CounterfactualReport?
    }

    /// The overall verdict.
    public var verdict: Verdict
    /// One line for people.
    public var summary: String
    /// Why the model could not be evaluated, for an `error` verdict.
    public var error: String?
    /// The suites' results.
    public var checks: Checks
    /// Wall-clock time of the validation.
    public var durationSeconds: Double
    /// The challenger's probability of the positive class for each evaluation document, in set order, kept so
    /// the model need not be scored again when it is champion. Not part of the encoded report.
    public var scores: [Double]?
    /// The champion's probability of the positive class for each evaluation document, when the run compared
    /// with one on a two-class set (for the gate's ROC curve). Not part of the encoded report.
    public var championScores: [Double]?
    /// Texts the models scored over the whole run, every suite's ``SpuriousReport/modelCalls`` summed (absent
    /// in reports stored before it was counted, and for a model that could not be evaluated). A model that
    /// scores LIME's perturbations without texts (``MaskedTextScoring``) counts each perturbation.
    public var modelCalls: Int?
    /// Texts the suites asked for that the run had already scored for the same model (the evaluation set's
    /// texts explained again, masks repeated within a short document's neighbourhood, seeds and edits of one
    /// document sharing perturbations): answered without a model call.
    public var cachedCalls: Int?
    /// How the run's LIME explanations settled their sample sizes, every suite's summed.
    public var sampling: SamplingSummary?
    /// Evaluation documents the model read only in part, when it reads a limited length and cut some.
    public var truncation: TruncationReport?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, error, checks, truncation, sampling
        case durationSeconds = "duration_seconds"
        case modelCalls = "model_calls"
        case cachedCalls = "cached_calls"
    }

    /// The report of a model that could not be evaluated.
    public static func failure(_ message: String) -> ValidationReport {
        ValidationReport(
            verdict: .error,
            summary: message,
            error: message,
            checks: Checks(),
            durationSeconds: 0,
            scores: nil
        )
    }
}
