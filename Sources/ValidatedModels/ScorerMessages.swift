/// The messages of the scorer protocol, `validated-scorer/1` (`docs/scorer-protocol.md`): one JSON object per
/// line on the scorer's standard input and output.
enum ScorerMessages {
    /// The protocol name a scorer announces.
    static let protocolName = "validated-scorer"
    /// The protocol version this daemon speaks.
    static let version = 1
    /// The longest line either side may write, newline excluded: 16 MiB.
    static let maxLineBytes = 16 << 20

    /// The scorer's first line: its protocol, version and class labels, or why it cannot serve the model.
    struct Hello: Decodable {
        var `protocol`: String?
        var version: Int?
        var classes: [String]?
        var error: String?
        /// Optional: the longest input the model reads, in its own units (tokens for a transformer).
        var maxLength: Int?

        enum CodingKeys: String, CodingKey {
            case `protocol`, version, classes, error
            case maxLength = "max_length"
        }
    }

    /// A batch of texts to score.
    struct Request: Encodable {
        var id: Int
        var texts: [String]
    }

    /// The answer to one request: a probability row per text, or an error message.
    struct Reply: Decodable {
        var id: Int?
        var probabilities: [[Double]]?
        var error: String?
        /// Optional: the indices, within the request, of texts the scorer cut to ``Hello/maxLength``.
        var truncated: [Int]?
    }
}
