/// A text split the way LIME's `IndexedString` splits it (`split_expression=r'\W+'`, `bow=True`): words are
/// maximal runs of word characters (Unicode letters, numbers, `_`), separators are kept as tokens of their own,
/// and each distinct word (case-sensitive) is one feature covering all its occurrences.
public struct IndexedText: Sendable, Equatable {
    /// Every token, words and separators, in order; joined they give back the text.
    public let tokens: [String]
    /// The distinct words, in order of first occurrence: feature `i` is `words[i]`.
    public let words: [String]
    /// For each token, the feature it belongs to, or `-1` for a separator.
    public let featureOfToken: [Int]

    /// Splits `text`.
    public init(_ text: String) {
        var tokens: [String] = []
        var featureOfToken: [Int] = []
        var words: [String] = []
        var index: [String: Int] = [:]
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var current = start
        var inWord: Bool?
        func flush(_ end: String.UnicodeScalarView.Index, word: Bool) {
            guard start < end else { return }
            let token = String(scalars[start..<end])
            tokens.append(token)
            if word {
                if let feature = index[token] {
                    featureOfToken.append(feature)
                } else {
                    index[token] = words.count
                    featureOfToken.append(words.count)
                    words.append(token)
                }
            } else {
                featureOfToken.append(-1)
            }
        }
        while current != scalars.endIndex {
            let word = Self.isWordCharacter(scalars[current])
            if let previous = inWord, previous != word {
                flush(current, word: previous)
                start = current
            }
            inWord = word
            current = scalars.index(after: current)
        }
        if let last = inWord { flush(scalars.endIndex, word: last) }
        self.tokens = tokens
        self.words = words
        self.featureOfToken = featureOfToken
    }

    /// The text with the words of the features where `keep[f]` is false removed (all occurrences); the
    /// separators around them stay, as in LIME's `inverse_removing`.
    public func removing(keep: some Collection<Bool>) -> String {
        let keep = Array(keep)
        var out = ""
        for (token, feature) in zip(tokens, featureOfToken) where feature < 0 || keep[feature] {
            out += token
        }
        return out
    }

    /// Python's `\w` for `str` patterns: letters, numbers and the underscore.
    public static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39) || v == 0x5F
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
