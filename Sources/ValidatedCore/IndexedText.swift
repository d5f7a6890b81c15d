/// A text split the way LIME's `IndexedString` splits it (`split_expression=r'\W+'`, `bow=True`).
///
/// Words are maximal runs of word characters (Python's `\w` on `str`: Unicode letters, numbers and `_`,
/// compared by code point); the runs between them are separator tokens, kept so that the tokens joined give
/// back the text exactly. Each distinct word, case-sensitive, is one feature covering all its occurrences:
/// `"don't Don"` has tokens `don`, `'`, `t`, ` `, `Don` and features `don`, `t`, `Don`.
public struct IndexedText: Sendable, Equatable {
    /// Every token, words and separators, in order; joined they give back the text.
    public let tokens: [String]
    /// The distinct words, in order of first occurrence: feature `i` is `words[i]`.
    public let words: [String]
    /// For each token, the feature it belongs to, or `-1` for a separator.
    public let featureOfToken: [Int]
    /// The text's UTF-8 bytes.
    private let utf8: [UInt8]
    /// For each token, the offset in ``utf8`` where it ends.
    private let tokenEnds: [Int]

    /// Splits `text`.
    public init(_ text: String) {
        var tokens: [String] = []
        var featureOfToken: [Int] = []
        var tokenEnds: [Int] = []
        var words: [String] = []
        var index: [String: Int] = [:]
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var byteOffset = 0
        var inWord: Bool?
        func flush(_ end: String.UnicodeScalarView.Index, word: Bool) {
            let token = String(scalars[start..<end])
            tokens.append(token)
            tokenEnds.append(byteOffset)
            guard word else {
                featureOfToken.append(-1)
                return
            }
            if let feature = index[token] {
                featureOfToken.append(feature)
            } else {
                index[token] = words.count
                featureOfToken.append(words.count)
                words.append(token)
            }
        }
        var current = start
        while current != scalars.endIndex {
            let scalar = scalars[current]
            let word = Self.isWordCharacter(scalar)
            if let previous = inWord, previous != word {
                flush(current, word: previous)
                start = current
            }
            inWord = word
            byteOffset += UTF8.width(scalar)
            current = scalars.index(after: current)
        }
        if let last = inWord { flush(scalars.endIndex, word: last) }
        self.tokens = tokens
        self.words = words
        self.featureOfToken = featureOfToken
        self.tokenEnds = tokenEnds
        self.utf8 = Array(text.utf8)
    }

    /// The text with the words of the features where `keep[f]` is false removed (every occurrence). The
    /// separators around them stay, so double spaces can appear, as in LIME's `inverse_removing`.
    ///
    /// - Precondition: `keep.count == words.count`.
    public func removing(keep: some Collection<Bool>) -> String {
        precondition(keep.count == words.count, "removing(keep:) needs one flag per feature")
        let flags = Array(keep)
        return flags.withUnsafeBufferPointer { removing(keep: $0) }
    }

    /// ``removing(keep:)`` without copying the flags: the LIME sampling loop calls this thousands of times.
    func removing(keep: UnsafeBufferPointer<Bool>) -> String {
        utf8.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress else { return "" }
            return String(unsafeUninitializedCapacity: source.count) { target in
                guard let to = target.baseAddress else { return 0 }
                var written = 0
                var tokenStart = 0
                for (token, feature) in featureOfToken.enumerated() {
                    let tokenEnd = tokenEnds[token]
                    if feature < 0 || keep[feature] {
                        (to + written).initialize(from: from + tokenStart, count: tokenEnd - tokenStart)
                        written += tokenEnd - tokenStart
                    }
                    tokenStart = tokenEnd
                }
                return written
            }
        }
    }

    /// Python's `\w` for `str` patterns: letters (`L*`), numbers (`N*`) and the underscore.
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
