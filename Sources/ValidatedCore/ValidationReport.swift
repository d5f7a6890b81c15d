/// A verdict, ordered from best to worst: the overall verdict is the worst of the checks'.
public enum Verdict: String, Sendable, Codable, Comparable, CaseIterable {
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

    enum CodingKeys: String, CodingKey {
        case verdict, summary, error, checks
        case durationSeconds = "duration_seconds"
    }

    /// The report of a model that could not be evaluated.
    public static func failure(_ message: String) -> ValidationReport {
        ValidationReport(verdict: .error, summary: message, error: message, checks: Checks(), durationSeconds: 0, scores: nil)
    }
}

/// What the spurious-feature suite found.
public struct SpuriousReport: Sendable, Codable, Equatable {
    /// One banned token's reach across the explanations.
    public struct BannedHit: Sendable, Codable, Equatable {
        /// The token, lowercased.
        public var token: String
        /// Explanations with the token among the top-k features.
        public var hits: Int
        /// Share of explanations with the token among the top-k features.
        public var rate: Double
        /// The one-sided Wilson lower confidence bound of `rate`, at ``SpuriousSettings/confidence``.
        public var rateLowerBound: Double
        /// Share of explanations where it is the top feature.
        public var topRate: Double
        /// Its share of all top-k absolute attribution.
        public var massShare: Double
        /// Its mean absolute weight where it is a top-k feature.
        public var meanAbsWeight: Double
        /// Documents where it weighs most, strongest first (up to 3).
        public var examples: [String]

        enum CodingKeys: String, CodingKey {
            case token, hits, rate, examples
            case rateLowerBound = "rate_lower_bound"
            case topRate = "top_rate"
            case massShare = "mass_share"
            case meanAbsWeight = "mean_abs_weight"
        }

        /// Creates a hit.
        public init(
            token: String, hits: Int, rate: Double, rateLowerBound: Double, topRate: Double, massShare: Double,
            meanAbsWeight: Double, examples: [String]
        ) {
            self.token = token
            self.hits = hits
            self.rate = rate
            self.rateLowerBound = rateLowerBound
            self.topRate = topRate
            self.massShare = massShare
            self.meanAbsWeight = meanAbsWeight
            self.examples = examples
        }

        /// Decodes a hit; reports stored before `hits` and `rate_lower_bound` existed read as 0 for both.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            token = try container.decode(String.self, forKey: .token)
            hits = try container.decodeIfPresent(Int.self, forKey: .hits) ?? 0
            rate = try container.decode(Double.self, forKey: .rate)
            rateLowerBound = try container.decodeIfPresent(Double.self, forKey: .rateLowerBound) ?? 0
            topRate = try container.decode(Double.self, forKey: .topRate)
            massShare = try container.decode(Double.self, forKey: .massShare)
            meanAbsWeight = try container.decode(Double.self, forKey: .meanAbsWeight)
            examples = try container.decode([String].self, forKey: .examples)
        }
    }

    /// A document's explanation shown as an example.
    public struct Example: Sendable, Codable, Equatable {
        /// The document id.
        public var document: String
        /// Its text.
        public var text: String
        /// Its top-k features.
        public var weights: [FeatureWeight]
    }

    /// A token's importance over all explanations (SP-LIME's aggregate, ``GlobalImportance``).
    public struct Importance: Sendable, Codable, Equatable {
        /// The token, lowercased.
        public var token: String
        /// Mean absolute weight among the top-k features over all explanations (0 where absent).
        public var meanAbsWeight: Double
        /// Share of explanations with the token among the top-k features.
        public var topKRate: Double
        /// SP-LIME's global importance: √ of its summed |weight| over every explanation's selected features.
        public var importance: Double
        /// `importance` over the summed importance of all tokens.
        public var share: Double
        /// 1-based rank by `importance`.
        public var rank: Int

        enum CodingKeys: String, CodingKey {
            case token, importance, share, rank
            case meanAbsWeight = "mean_abs_weight"
            case topKRate = "top_k_rate"
        }

        /// Creates an entry.
        public init(token: String, meanAbsWeight: Double, topKRate: Double, importance: Double, share: Double, rank: Int) {
            self.token = token
            self.meanAbsWeight = meanAbsWeight
            self.topKRate = topKRate
            self.importance = importance
            self.share = share
            self.rank = rank
        }

        /// Decodes an entry; reports stored before SP-LIME's aggregate was kept read 0 for `importance` and
        /// `share` and 0 for `rank` (unknown).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            token = try container.decode(String.self, forKey: .token)
            meanAbsWeight = try container.decode(Double.self, forKey: .meanAbsWeight)
            topKRate = try container.decode(Double.self, forKey: .topKRate)
            importance = try container.decodeIfPresent(Double.self, forKey: .importance) ?? 0
            share = try container.decodeIfPresent(Double.self, forKey: .share) ?? 0
            rank = try container.decodeIfPresent(Int.self, forKey: .rank) ?? 0
        }
    }

    /// A token among the challenger's most important that the champion's explanations of the same documents do
    /// not rank there: a new reason for its predictions.
    public struct NewReason: Sendable, Codable, Equatable {
        /// The token, lowercased.
        public var token: String
        /// Its 1-based rank by global importance in the challenger's explanations.
        public var rank: Int
        /// Its share of the challenger's global importance.
        public var share: Double
        /// Its rank in the champion's explanations, `nil` when they never weigh it.
        public var championRank: Int?
        /// Its share of the champion's global importance (0 when absent).
        public var championShare: Double
        /// Whether the token is on the banned list.
        public var banned: Bool

        enum CodingKeys: String, CodingKey {
            case token, rank, share, banned
            case championRank = "champion_rank"
            case championShare = "champion_share"
        }

        /// Creates an entry.
        public init(token: String, rank: Int, share: Double, championRank: Int?, championShare: Double, banned: Bool = false) {
            self.token = token
            self.rank = rank
            self.share = share
            self.championRank = championRank
            self.championShare = championShare
            self.banned = banned
        }
    }

    /// The champion's explanations of the same documents, and the challenger's new reasons against them.
    public struct ChampionComparison: Sendable, Codable, Equatable {
        /// Explanations of the champion computed (the challenger's documents and seeds).
        public var explained: Int
        /// The challenger's top-N window examined.
        public var top: Int
        /// Tokens new in the challenger's top N, in its rank order.
        public var newReasons: [NewReason]
        /// The champion's most important tokens.
        public var championImportance: [Importance]
        /// Seconds the champion's explanations took.
        public var seconds: Double
        /// `seconds` over the whole run's duration.
        public var shareOfRun: Double?
        /// Why the champion could not be explained, when it could not; the other fields are then empty.
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case explained, top, seconds, error
            case newReasons = "new_reasons"
            case championImportance = "champion_importance"
            case shareOfRun = "share_of_run"
        }

        /// Creates a comparison.
        public init(
            explained: Int, top: Int, newReasons: [NewReason], championImportance: [Importance], seconds: Double,
            shareOfRun: Double? = nil, error: String? = nil
        ) {
            self.explained = explained
            self.top = top
            self.newReasons = newReasons
            self.championImportance = championImportance
            self.seconds = seconds
            self.shareOfRun = shareOfRun
            self.error = error
        }
    }

    /// An explanation of SP-LIME's pick.
    public struct Picked: Sendable, Codable, Equatable {
        /// The document id.
        public var document: String
        /// The share of all global importance the pick covers once this explanation is added.
        public var coverage: Double

        /// Creates an entry.
        public init(document: String, coverage: Double) {
            self.document = document
            self.coverage = coverage
        }
    }

    /// The suite's verdict.
    public var verdict: Verdict
    /// One line for people.
    public var summary: String
    /// Explanations computed.
    public var explained: Int
    /// Features examined per explanation.
    public var topK: Int
    /// Banned tokens found among the top features, worst first.
    public var bannedHits: [BannedHit]
    /// The explanations with the most banned attribution (up to 3).
    public var worst: [Example]
    /// The most important tokens over all explanations (``SpuriousSettings/reportTokens``).
    public var globalImportance: [Importance]
    /// SP-LIME's pick: the explanations that together cover the most global importance (absent in reports
    /// stored before it was computed).
    public var pick: [Picked]?
    /// The association of tokens with the predicted class over the whole evaluation set (absent in reports
    /// stored before it was measured).
    public var association: TokenAssociationReport?
    /// The challenger's global importance against the champion's, when there is a champion.
    public var champion: ChampionComparison?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, explained, worst, pick, association, champion
        case topK = "top_k"
        case bannedHits = "banned_hits"
        case globalImportance = "global_importance"
    }
}

/// Tokens' association with the predicted class and with the true label over the whole evaluation set
/// (``TokenAssociationCheck``).
public struct TokenAssociationReport: Sendable, Codable, Equatable {
    /// One token's association.
    public struct Token: Sendable, Codable, Equatable {
        /// The token, lowercased.
        public var token: String
        /// Documents containing it.
        public var documents: Int
        /// Theil's `U(predicted class | token present)`.
        public var uPredicted: Double
        /// Theil's `U(true label | token present)`.
        public var uLabel: Double
        /// The class the model predicts most often for documents containing the token.
        public var predictedClass: String
        /// The share of those documents predicted as that class.
        public var predictedShare: Double
        /// `predictedShare` over that class's share of all predictions.
        public var lift: Double
        /// Whether the token is on the banned list.
        public var banned: Bool

        enum CodingKeys: String, CodingKey {
            case token, documents, lift, banned
            case uPredicted = "u_predicted"
            case uLabel = "u_label"
            case predictedClass = "predicted_class"
            case predictedShare = "predicted_share"
        }

        /// Creates an entry.
        public init(
            token: String, documents: Int, uPredicted: Double, uLabel: Double, predictedClass: String,
            predictedShare: Double, lift: Double, banned: Bool
        ) {
            self.token = token
            self.documents = documents
            self.uPredicted = uPredicted
            self.uLabel = uLabel
            self.predictedClass = predictedClass
            self.predictedShare = predictedShare
            self.lift = lift
            self.banned = banned
        }
    }

    /// This measurement's verdict on the banned tokens.
    public var verdict: Verdict
    /// Why it warns or fails, for the suite's summary. Not encoded.
    public var reasons: [String] = []
    /// Evaluation documents measured.
    public var documents: Int
    /// Documents a token needed to be measured.
    public var minDocuments: Int
    /// Every measured banned token, strongest association with the predictions first.
    public var banned: [Token]
    /// The tokens most associated with the predictions, banned or not.
    public var strongest: [Token]

    enum CodingKeys: String, CodingKey {
        case verdict, documents, banned, strongest
        case minDocuments = "min_documents"
    }
}

/// What the stability suite found.
public struct StabilityReport: Sendable, Codable, Equatable {
    /// One document's stability.
    public struct DocumentStability: Sendable, Codable, Equatable {
        /// The document id.
        public var document: String
        /// Its mean pairwise top-k Jaccard index across seeds.
        public var jaccard: Double
        /// Its mean top-k intersection / k across seeds (absent in reports stored before it was kept).
        public var topKIntersection: Double?
        /// The mean top-k intersection / k of its edited texts with it, when edits of it kept the label.
        public var editTopKIntersection: Double?

        enum CodingKeys: String, CodingKey {
            case document, jaccard
            case topKIntersection = "top_k_intersection"
            case editTopKIntersection = "edit_top_k_intersection"
        }
    }

    /// LIME's own sampling noise: the same documents explained under several seeds, mean over pairs and documents.
    public struct SeedMeasures: Sendable, Codable, Equatable {
        /// Mean top-k intersection / k.
        public var topKIntersection: Double
        /// Mean top-k Jaccard index.
        public var jaccard: Double
        /// Mean Spearman ρ of absolute weights over the union of the top-k features.
        public var spearman: Double
        /// Mean Kendall τ-b, likewise.
        public var kendall: Double
        /// Mean coefficient of variation across seeds of the weight of each top-k feature of the first seed.
        public var weightCV: Double
        /// Visani et al.'s variables stability index, 0–100: mean pairwise top-k overlap × 100 / k.
        public var vsi: Double
        /// Visani et al.'s coefficient stability index, 0–100: how often the 95% intervals of a feature's weight
        /// under two seeds overlap, averaged over features and documents; `nil` in reports written before it.
        public var csi: Double?

        enum CodingKeys: String, CodingKey {
            case jaccard, spearman, kendall, vsi, csi
            case topKIntersection = "top_k_intersection"
            case weightCV = "weight_cv"
        }
    }

    /// Explanations of texts after small label-preserving edits, compared with the original's over the words
    /// both texts contain.
    public struct PerturbationMeasures: Sendable, Codable, Equatable {
        /// Perturbed texts explained (their predicted label unchanged).
        public var pairs: Int
        /// Perturbed texts dropped because the predicted label changed.
        public var labelChanged: Int
        /// Mean top-k intersection / k.
        public var topKIntersection: Double
        /// Mean top-k Jaccard index.
        public var jaccard: Double
        /// Mean Spearman ρ.
        public var spearman: Double
        /// Mean Kendall τ-b.
        public var kendall: Double
        /// Mean change of the surrogate's weighted R² (perturbed − original).
        public var fidelityChange: Double
        /// The seed-to-seed Jaccard of the same documents: the noise floor.
        public var noiseFloorJaccard: Double
        /// `noise_floor_jaccard − jaccard`: how much more an edit moves the explanation than a new seed does.
        public var excess: Double

        enum CodingKeys: String, CodingKey {
            case pairs, jaccard, spearman, kendall, excess
            case labelChanged = "label_changed"
            case topKIntersection = "top_k_intersection"
            case fidelityChange = "fidelity_change"
            case noiseFloorJaccard = "noise_floor_jaccard"
        }
    }

    /// An original text and an edited one, side by side with both explanations.
    public struct PerturbedPair: Sendable, Codable, Equatable {
        /// The document id.
        public var document: String
        /// The edits that made the perturbed text.
        public var edits: [String]
        /// The original text.
        public var original: String
        /// The edited text.
        public var perturbed: String
        /// The original's top-k features.
        public var originalWeights: [FeatureWeight]
        /// The edited text's top-k features.
        public var perturbedWeights: [FeatureWeight]
        /// Top-k intersection / k of the two, over shared words.
        public var topKIntersection: Double
        /// Explanations computed to find it (1 for a random edit).
        public var explanations: Int

        enum CodingKeys: String, CodingKey {
            case document, edits, original, perturbed, explanations
            case originalWeights = "original_weights"
            case perturbedWeights = "perturbed_weights"
            case topKIntersection = "top_k_intersection"
        }
    }

    /// The suite's verdict.
    public var verdict: Verdict
    /// One line for people.
    public var summary: String
    /// Documents re-explained.
    public var documents: Int
    /// Seeds per document.
    public var seeds: Int
    /// Mean pairwise top-k Jaccard index across seeds, over documents.
    public var seedJaccard: Double
    /// The least stable documents (up to 3).
    public var leastStable: [DocumentStability]
    /// Every document measured, in evaluation-set order (absent in reports stored before it was kept).
    public var perDocument: [DocumentStability]?
    /// Every seed-stability measure (absent in reports stored before it was measured).
    public var seed: SeedMeasures?
    /// Random label-preserving perturbations.
    public var perturbation: PerturbationMeasures?
    /// The perturbed pairs whose explanations moved most (up to 3).
    public var worstPairs: [PerturbedPair]?
    /// The greedy search's strongest edit sequence: the smallest top-k intersection it reached.
    public var attack: PerturbedPair?
    /// Seconds this suite's own explanations took, and their share of the run.
    public var seconds: Double?
    /// `seconds` over the whole run's duration.
    public var shareOfRun: Double?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, documents, seeds, seed, perturbation, attack, seconds
        case seedJaccard = "seed_jaccard"
        case leastStable = "least_stable"
        case perDocument = "per_document"
        case worstPairs = "worst_pairs"
        case shareOfRun = "share_of_run"
    }
}

/// What the AUC suite found.
public struct AUCReport: Sendable, Codable, Equatable {
    /// One class's one-vs-rest AUC, for evaluation sets with more than two labels.
    public struct ClassAUC: Sendable, Codable, Equatable {
        /// The class label.
        public var label: String
        /// The challenger's one-vs-rest AUC.
        public var auc: Double
        /// Its 95% DeLong confidence interval.
        public var aucCI: [Double]
        /// The champion's one-vs-rest AUC.
        public var championAUC: Double?
        /// `auc − championAUC`.
        public var delta: Double?
        /// One-sided paired DeLong p-value against "the challenger is worse" for this class.
        public var pValue: Double?
        /// Documents of this class.
        public var nPos: Int
        /// Documents of the other classes.
        public var nNeg: Int

        enum CodingKeys: String, CodingKey {
            case label, auc, delta
            case aucCI = "auc_ci"
            case championAUC = "champion_auc"
            case pValue = "p_value"
            case nPos = "n_pos"
            case nNeg = "n_neg"
        }
    }

    /// The suite's verdict.
    public var verdict: Verdict
    /// One line for people.
    public var summary: String
    /// The challenger's AUC.
    public var auc: Double
    /// Its 95% DeLong confidence interval.
    public var aucCI: [Double]
    /// The champion's AUC, when there is a champion.
    public var championAUC: Double?
    /// `auc − championAUC`.
    public var delta: Double?
    /// One-sided p-value of the paired DeLong test against "the challenger is worse".
    public var pValue: Double?
    /// Two-sided p-value of the same test.
    public var pValueTwoSided: Double?
    /// The test statistic.
    public var z: Double?
    /// The 95% confidence interval of `delta`.
    public var deltaCI: [Double]?
    /// The comparison used: `worse` or `non-inferiority`.
    public var comparison: String?
    /// The non-inferiority margin, in non-inferiority mode.
    public var margin: Double?
    /// One-sided p-value against "worse by the margin or more", in non-inferiority mode.
    public var pValueNonInferiority: Double?
    /// The smallest difference from the champion this evaluation set detects at `alpha` with the configured power.
    public var minDetectableDelta: Double?
    /// Documents needed (same class balance) to detect the configured target difference.
    public var docsNeeded: Int?
    /// One-vs-rest results per class, for evaluation sets with more than two labels; `auc` is then their
    /// macro average.
    public var perClass: [ClassAUC]?
    /// Positive documents.
    public var nPos: Int
    /// Negative documents.
    public var nNeg: Int
    /// The floor applied.
    public var floor: Double
    /// Why a champion that was loaded could not be scored; the challenger is then judged on the floor alone,
    /// as when the champion cannot be loaded.
    public var championError: String?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, auc, delta, z, floor
        case championError = "champion_error"
        case aucCI = "auc_ci"
        case championAUC = "champion_auc"
        case pValue = "p_value"
        case pValueTwoSided = "p_value_two_sided"
        case deltaCI = "delta_ci"
        case comparison, margin
        case pValueNonInferiority = "p_value_non_inferiority"
        case minDetectableDelta = "min_detectable_delta"
        case docsNeeded = "docs_needed"
        case perClass = "per_class"
        case nPos = "n_pos"
        case nNeg = "n_neg"
    }
}
