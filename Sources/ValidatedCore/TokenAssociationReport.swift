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
            token: String,
            documents: Int,
            uPredicted: Double,
            uLabel: Double,
            predictedClass: String,
            predictedShare: Double,
            lift: Double,
            banned: Bool
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
