/// What the counterfactual suite found: how the challenger's predictions move when banned entries are erased
/// from or injected into evaluation documents, and the tokens it leans on that are not on the list.
public struct CounterfactualReport: Sendable, Codable, Equatable, CostedReport {
    /// One intervention on a set of documents: the same edit of each, scored before and after.
    public struct Test: Sendable, Codable, Equatable {
        /// `erasure` or `injection`.
        public var kind: String
        /// The banned entry as written, `all banned entries`, or `artefact` for an injected artefact string.
        public var entry: String
        /// What was injected (absent for an erasure).
        public var inserted: String?
        /// Edited texts scored: one per document erased from, three per document injected into (start, end,
        /// a seeded random position).
        public var texts: Int
        /// Documents edited.
        public var documents: Int
        /// Mean of `P(after) − P(before)` of the positive class over documents (an injection's three positions
        /// averaged per document). `before` is the document, or, for an injected string holding words that are not
        /// banned (a header line), the document with that string injected at the same place with its banned
        /// tokens erased: the shift is then the banned tokens' alone.
        public var meanShift: Double
        /// Its 95% Student-t interval over documents; absent with fewer than 2 documents. The verdict reads how
        /// far it lies from 0: a shortcut moves predictions one way, while the edits' noise (large for neural
        /// models, which any inserted or removed word moves a little) goes both ways and cancels.
        public var meanShiftCI: [Double]?
        /// Mean of `|P(after) − P(before)|`, likewise: how much the edit moves the model either way.
        public var meanAbsShift: Double
        /// Its 95% Student-t interval.
        public var meanAbsShiftCI: [Double]?
        /// Share of edited texts whose predicted class changed.
        public var flipRate: Double
        /// Its 95% Wilson interval.
        public var flipRateCI: [Double]?
        /// Share of edited texts that became the positive class minus the share that stopped being it.
        public var netFlipRate: Double
        /// Its 95% Student-t interval over documents; the verdict reads how far it lies from 0.
        public var netFlipRateCI: [Double]?
        /// The smallest mean shift these documents detect (two-sided 5%, power 80%).
        public var minDetectableShift: Double?
        /// The champion on the same edited texts, when there is one.
        public var champion: ChampionShift?
        /// The test's verdict.
        public var verdict: Verdict
        /// The documents moved most, strongest first (up to 3).
        public var examples: [String]

        enum CodingKeys: String, CodingKey {
            case kind, entry, inserted, texts, documents, champion, verdict, examples
            case meanShift = "mean_shift"
            case meanShiftCI = "mean_shift_ci"
            case meanAbsShift = "mean_abs_shift"
            case meanAbsShiftCI = "mean_abs_shift_ci"
            case flipRate = "flip_rate"
            case flipRateCI = "flip_rate_ci"
            case netFlipRate = "net_flip_rate"
            case netFlipRateCI = "net_flip_rate_ci"
            case minDetectableShift = "min_detectable_shift"
        }
    }

    /// The champion's shifts on the same edited texts, and the paired difference of the two models' shifts.
    public struct ChampionShift: Sendable, Codable, Equatable {
        /// The champion's mean |shift|.
        public var meanAbsShift: Double
        /// The champion's mean shift.
        public var meanShift: Double
        /// Mean over documents of `challenger's shift − champion's shift`, signed so that positive is further in
        /// the direction the challenger moves on average.
        public var difference: Double
        /// Its 95% Student-t interval; a lower bound above ``CounterfactualSettings/warnShift`` fails.
        public var differenceCI: [Double]?

        enum CodingKeys: String, CodingKey {
            case difference
            case meanAbsShift = "mean_abs_shift"
            case meanShift = "mean_shift"
            case differenceCI = "difference_ci"
        }
    }

    /// A token the model leans on (leaving it out moves its predictions) that is skewed to one label in the
    /// evaluation set: a shortcut the banned list does not name.
    public struct Candidate: Sendable, Codable, Equatable {
        /// The token, lowercased.
        public var token: String
        /// Documents it was left out of.
        public var documents: Int
        /// Mean of `P(without) − P(with)` of the positive class.
        public var meanShift: Double
        /// Mean |shift|.
        public var meanAbsShift: Double
        /// Evaluation documents holding it.
        public var labelDocuments: Int
        /// Share of those of the positive label.
        public var positiveRate: Double
        /// Share of all evaluation documents of the positive label.
        public var baseRate: Double
        /// Two-sided exact binomial p-value of `positive_rate` against `base_rate`.
        public var pValue: Double
        /// Its Benjamini–Hochberg q-value over every token tested.
        public var qValue: Double
        /// The documents leaving it out moves most (up to 3).
        public var examples: [String]

        enum CodingKeys: String, CodingKey {
            case token, documents, examples
            case meanShift = "mean_shift"
            case meanAbsShift = "mean_abs_shift"
            case labelDocuments = "label_documents"
            case positiveRate = "positive_rate"
            case baseRate = "base_rate"
            case pValue = "p_value"
            case qValue = "q_value"
        }
    }

    /// Whether LIME's global importance ranks tokens as erasing them moves the model.
    public struct Agreement: Sendable, Codable, Equatable {
        /// One token's two numbers.
        public struct Token: Sendable, Codable, Equatable {
            /// The token, lowercased, or a banned entry.
            public var token: String
            /// Its LIME global importance, `√Σ|weight|` over the explanations (``GlobalImportance``), 0 when no
            /// explanation weighs it.
            public var importance: Double
            /// `√Σ|shift|` of P(positive class) over the same explained documents with it left out.
            public var erasureEffect: Double

            enum CodingKeys: String, CodingKey {
                case token, importance
                case erasureEffect = "erasure_effect"
            }
        }

        /// Kendall's τ-b between the two; absent with fewer than 3 tokens.
        public var kendallTau: Double?
        /// The banned entries present in the explained documents, the candidates, then LIME's top tokens and
        /// the erasures' top tokens.
        public var tokens: [Token]

        enum CodingKeys: String, CodingKey {
            case tokens
            case kendallTau = "kendall_tau"
        }
    }

    /// The suite's verdict.
    public var verdict: Verdict
    /// One line for people.
    public var summary: String
    /// Every erasure and injection, per entry and for all entries together.
    public var tests: [Test]
    /// Regular-expression entries no artefact string carries: erased, never injected.
    public var erasureOnly: [String]
    /// Entries no evaluation document holds: injected, never erased.
    public var absent: [String]
    /// Documents left one token out: an even spread, and the documents LIME explained.
    public var leaveOneOutDocuments: Int
    /// Tokens skewed to one label that the model leans on, strongest first.
    public var candidates: [Candidate]
    /// Whether candidates make the suite warn (``CounterfactualSettings/candidatesWarn``).
    public var candidatesWarn: Bool
    /// LIME against the interventions.
    public var agreement: Agreement?
    /// Wall-clock seconds of the suite.
    public var seconds: Double?
    /// `seconds` over the whole run's duration.
    public var shareOfRun: Double?
    /// Texts the suite had the models score.
    public var modelCalls: Int?
    /// Texts the suite found already scored in the run.
    public var cachedCalls: Int?
    /// Always absent: the suite explains nothing.
    public var sampling: SamplingSummary?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, tests, candidates, agreement, seconds, sampling
        case erasureOnly = "erasure_only"
        case absent
        case leaveOneOutDocuments = "leave_one_out_documents"
        case candidatesWarn = "candidates_warn"
        case shareOfRun = "share_of_run"
        case modelCalls = "model_calls"
        case cachedCalls = "cached_calls"
    }
}
