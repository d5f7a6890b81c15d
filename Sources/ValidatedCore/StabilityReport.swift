/// What the stability suite found.
public struct StabilityReport: Sendable, Codable, Equatable, CostedReport {
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
    /// Documents the suite would have re-explained had the verdict not settled earlier
    /// (``StabilitySettings/settleConfidence``); absent in reports stored before the suite could stop early.
    public var plannedDocuments: Int?
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
    /// Wall-clock seconds of the suite's phases: the other seeds' explanations, the edits and the search.
    public var seconds: Double?
    /// `seconds` over the whole run's duration.
    public var shareOfRun: Double?
    /// Texts the suite's phases had the model score: each a model call (absent in older reports).
    public var modelCalls: Int?
    /// Texts the suite's phases found already scored in the run (``ValidationReport/cachedCalls``).
    public var cachedCalls: Int?
    /// How the suite's LIME explanations settled their sample sizes; absent when it explained nothing, and in
    /// reports stored before it was measured.
    public var sampling: SamplingSummary?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, documents, seeds, seed, perturbation, attack, seconds
        case modelCalls = "model_calls"
        case cachedCalls = "cached_calls"
        case sampling
        case seedJaccard = "seed_jaccard"
        case leastStable = "least_stable"
        case perDocument = "per_document"
        case worstPairs = "worst_pairs"
        case shareOfRun = "share_of_run"
        case plannedDocuments = "planned_documents"
    }
}
