/// The `pipeline` document in a native checkpoint's `__metadata__` (format `validated.text-pipeline`, versions 1
/// and 2).
///
/// See `docs/model-format.md` for the full specification.
struct TextPipelineSpec: Decodable {
    struct Tokenizer: Decodable {
        var analyzer: String = "word"
        var lowercase: Bool = true
        var tokenPattern: String = #"(?u)\b\w\w+\b"#
        var ngramRange: [Int] = [1, 1]
        /// Tokens dropped before n-grams are formed (version 2).
        var stopWords: [String] = []

        enum CodingKeys: String, CodingKey {
            case analyzer, lowercase
            case tokenPattern = "token_pattern"
            case ngramRange = "ngram_range"
            case stopWords = "stop_words"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            analyzer = try container.decodeIfPresent(String.self, forKey: .analyzer) ?? analyzer
            lowercase = try container.decodeIfPresent(Bool.self, forKey: .lowercase) ?? lowercase
            tokenPattern = try container.decodeIfPresent(String.self, forKey: .tokenPattern) ?? tokenPattern
            ngramRange = try container.decodeIfPresent([Int].self, forKey: .ngramRange) ?? ngramRange
            stopWords = try container.decodeIfPresent([String].self, forKey: .stopWords) ?? stopWords
        }
    }

    struct Weighting: Decodable {
        var kind: String
        var norm: String?
        var useIDF: Bool = true
        var smoothIDF: Bool = true
        var sublinearTF: Bool = false
        var binary: Bool = false
        var idf: String?

        enum CodingKeys: String, CodingKey {
            case kind, norm, idf, binary
            case useIDF = "use_idf"
            case smoothIDF = "smooth_idf"
            case sublinearTF = "sublinear_tf"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(String.self, forKey: .kind)
            norm = try container.decodeIfPresent(String.self, forKey: .norm)
            idf = try container.decodeIfPresent(String.self, forKey: .idf)
            useIDF = try container.decodeIfPresent(Bool.self, forKey: .useIDF) ?? useIDF
            smoothIDF = try container.decodeIfPresent(Bool.self, forKey: .smoothIDF) ?? smoothIDF
            sublinearTF = try container.decodeIfPresent(Bool.self, forKey: .sublinearTF) ?? sublinearTF
            binary = try container.decodeIfPresent(Bool.self, forKey: .binary) ?? binary
        }
    }

    struct Layer: Decodable {
        var weight: String
        var bias: String
        var activation: String
    }

    var classes: [String]
    var tokenizer: Tokenizer
    var vocabulary: [String]
    var weighting: Weighting
    var layers: [Layer]
    var output: String
    /// For the `group-normalized-mean` output (version 2): how many groups of one value per class the last
    /// layer holds.
    var outputGroups: Int?

    enum CodingKeys: String, CodingKey {
        case classes, tokenizer, vocabulary, weighting, layers, output
        case outputGroups = "output_groups"
    }
}
