/// What the spurious-feature suite found.
public struct SpuriousReport: Sendable, Codable, Equatable, CostedReport {
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
            token: String,
            hits: Int,
            rate: Double,
            rateLowerBound: Double,
            topRate: Double,
            massShare: Double,
            meanAbsWeight: Double,
            examples: [String]
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
        public init(
            token: String,
            meanAbsWeight: Double,
            topKRate: Double,
            importance: Double,
            share: Double,
            rank: Int
        ) {
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
        public init(
            token: String,
            rank: Int,
            share: Double,
            championRank: Int?,
            championShare: Double,
            banned: Bool = false
        ) {
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
            explained: Int,
            top: Int,
            newReasons: [NewReason],
            championImportance: [Importance],
            seconds: Double,
            shareOfRun: Double? = nil,
            error: String? = nil
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
    /// Wall-clock seconds of the suite's phases (absent in reports stored before it was measured).
    public var seconds: Double?
    /// Texts the suite's phases had the models score: each a model call (absent in older reports).
    public var modelCalls: Int?
    /// Texts the suite's phases found already scored in the run (``ValidationReport/cachedCalls``).
    public var cachedCalls: Int?
    /// How the suite's LIME explanations settled their sample sizes; absent when it explained nothing, and in
    /// reports stored before it was measured.
    public var sampling: SamplingSummary?

    enum CodingKeys: String, CodingKey {
        case verdict, summary, explained, worst, pick, association, champion, seconds
        case modelCalls = "model_calls"
        case cachedCalls = "cached_calls"
        case sampling
        case topK = "top_k"
        case bannedHits = "banned_hits"
        case globalImportance = "global_importance"
    }
}
