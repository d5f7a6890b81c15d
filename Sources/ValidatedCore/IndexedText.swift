import Foundation

/// A text cut into LIME's features, the way the reference's `IndexedString` and `IndexedCharacters` cut it.
///
/// By default (``init(_:)``, LIME's `split_expression=r'\W+'` with `bow=True`) words are maximal runs of word
/// characters (Python's `\w` on `str`: Unicode letters, numbers and `_`, compared by code point); the runs
/// between them are separator tokens, kept so that the tokens joined give back the text exactly. Each distinct
/// word, case-sensitive, is one feature covering all its occurrences: `"don't Don"` has tokens `don`, `'`,
/// `t`, ` `, `Don` and features `don`, `t`, `Don`.
///
/// ``init(_:splitExpression:bow:maskString:)`` takes any separator expression, and ``init(characters:bow:maskString:)``
/// makes every character a token. With `bow` false each word *occurrence* is its own feature and a removed
/// occurrence is replaced by the mask string instead of deleted, so positions survive.
public struct IndexedText: Sendable, Equatable {
    /// Every token, words and separators, in order; joined they give back the text.
    public let tokens: [String]
    /// The features' words: the distinct words in order of first occurrence, or with `bow` false every word
    /// occurrence in order. Feature `i` is `words[i]`.
    public let words: [String]
    /// For each token, the feature it belongs to, or `-1` for a separator.
    public let featureOfToken: [Int]
    /// What replaces a removed word: `nil` deletes it (bag of words), otherwise the mask string.
    public let mask: String?
    /// The text's UTF-8 bytes.
    private let utf8: [UInt8]
    /// For each token, the offset in ``utf8`` where it ends.
    private let tokenEnds: [Int]
    private let maskUTF8: [UInt8]

    /// The mask LIME puts in place of a removed word when `bow` is false.
    public static let defaultWordMask = "UNKWORDZ"
    /// The mask LIME puts in place of a removed character when `bow` is false: U+0000.
    public static let defaultCharacterMask = "\u{0}"
    /// LIME's default separator expression.
    public static let defaultSplitExpression = #"\W+"#

    /// Splits `text` at runs of non-word characters (LIME's defaults: `split_expression=r'\W+'`, `bow=True`).
    public init(_ text: String) {
        var pieces: [(token: String, isWord: Bool)] = []
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var inWord: Bool?
        var current = start
        while current != scalars.endIndex {
            let word = Self.isWordCharacter(scalars[current])
            if let previous = inWord, previous != word {
                pieces.append((String(scalars[start..<current]), previous))
                start = current
            }
            inWord = word
            current = scalars.index(after: current)
        }
        if let last = inWord { pieces.append((String(scalars[start..<scalars.endIndex]), last)) }
        self.init(pieces: pieces, bow: true, mask: nil)
    }

    /// Splits `text` at the matches of the regular expression `splitExpression`, as LIME's
    /// `IndexedString(text, split_expression, bow, mask_string)` does with Python's `re.split`.
    ///
    /// The matches are separator tokens and the text between them word tokens (empty tokens are dropped). As in
    /// the reference, a token is a separator when the expression matches at its start or when it is a lone
    /// line feed, and a line feed ending the text is always a token of its own. The expression is evaluated by ICU
    /// (`NSRegularExpression`), whose syntax is close to Python's: `\W` differs on combining marks, so
    /// ``init(_:)`` is used for the default `\W+`.
    ///
    /// - Parameters:
    ///   - bow: `true` (the default) makes each distinct word one feature and deletes all its occurrences;
    ///     `false` makes each occurrence a feature, replaced by `maskString` when removed.
    ///   - maskString: The replacement when `bow` is false; `nil` means ``defaultWordMask``.
    /// - Throws: ``IndexedTextError`` when the expression does not compile.
    public init(
        _ text: String,
        splitExpression: String,
        bow: Bool = true,
        maskString: String? = nil
    )
        throws(IndexedTextError)
    {
        let mask = bow ? nil : (maskString ?? Self.defaultWordMask)
        if splitExpression == Self.defaultSplitExpression {
            let plain = IndexedText(text)
            if bow {
                self = plain
                return
            }
            self.init(pieces: zip(plain.tokens, plain.featureOfToken).map { ($0, $1 >= 0) }, bow: bow, mask: mask)
            return
        }
        let separators = try Self.compile(splitExpression)
        let scalars = text.unicodeScalars
        let whole = NSRange(text.startIndex..., in: text)
        var pieces: [(token: String, isWord: Bool)] = []
        func isWord(_ token: String) -> Bool {
            guard token != "\n" else { return false }
            return separators.firstMatch(in: token, options: .anchored, range: NSRange(token.startIndex..., in: token))
                == nil
        }
        func add(_ range: Range<String.Index>) {
            guard !range.isEmpty else { return }
            let token = String(scalars[range])
            pieces.append((token, isWord(token)))
        }
        var last = text.startIndex
        for match in separators.matches(in: text, range: whole) {
            guard let range = Range(match.range, in: text) else { continue }
            add(last..<range.lowerBound)
            add(range)
            last = range.upperBound
        }
        // Python's pattern is `(expression)|$`, and `$` also matches before a final line feed: a line feed
        // ending the text splits off as its own token unless a separator already covers it.
        if last < text.endIndex, scalars.last == "\n", scalars.index(before: scalars.endIndex) > last {
            let lineFeed = scalars.index(before: scalars.endIndex)
            add(last..<lineFeed)
            add(lineFeed..<text.endIndex)
        } else {
            add(last..<text.endIndex)
        }
        self.init(pieces: pieces, bow: bow, mask: mask)
    }

    /// Makes every character (Unicode scalar, as Python's `str` counts them) a feature, as LIME's
    /// `IndexedCharacters(text, bow, mask_string)` does; spaces and punctuation are features too.
    ///
    /// - Parameters:
    ///   - bow: `true` (the default) makes each distinct character one feature; `false` each position.
    ///   - maskString: The replacement when `bow` is false; `nil` means ``defaultCharacterMask``.
    public init(characters text: String, bow: Bool = true, maskString: String? = nil) {
        self.init(
            pieces: text.unicodeScalars.map { (String($0), true) },
            bow: bow,
            mask: bow ? nil : (maskString ?? Self.defaultCharacterMask)
        )
    }

    private init(pieces: [(token: String, isWord: Bool)], bow: Bool, mask: String?) {
        var featureOfToken: [Int] = []
        var tokenEnds: [Int] = []
        var words: [String] = []
        var index: [String: Int] = [:]
        var utf8: [UInt8] = []
        featureOfToken.reserveCapacity(pieces.count)
        tokenEnds.reserveCapacity(pieces.count)
        for (token, isWord) in pieces {
            utf8.append(contentsOf: token.utf8)
            tokenEnds.append(utf8.count)
            guard isWord else {
                featureOfToken.append(-1)
                continue
            }
            if bow, let feature = index[token] {
                featureOfToken.append(feature)
                continue
            }
            if bow { index[token] = words.count }
            featureOfToken.append(words.count)
            words.append(token)
        }
        self.tokens = pieces.map(\.token)
        self.words = words
        self.featureOfToken = featureOfToken
        self.tokenEnds = tokenEnds
        self.utf8 = utf8
        self.mask = mask
        self.maskUTF8 = Array((mask ?? "").utf8)
    }

    /// Checks that `expression` compiles, so settings can be refused before any text is split.
    static func compile(_ expression: String) throws(IndexedTextError) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: expression)
        } catch {
            throw IndexedTextError(
                description: "the split expression \"\(expression)\" is not a valid regular expression (ICU syntax, "
                    + "close to Python's re); correct LIME's split_expression, for example \\W+ or \\s+"
            )
        }
    }

    /// The text with the words of the features where `keep[f]` is false removed (every occurrence), or replaced
    /// by ``mask`` when there is one. The separators around them stay, so double spaces can appear, as in
    /// LIME's `inverse_removing`.
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
            maskUTF8.withUnsafeBufferPointer { mask in
                let capacity = source.count + (mask.isEmpty ? 0 : tokenEnds.count * mask.count)
                return String(unsafeUninitializedCapacity: max(capacity, 1)) { target in
                    guard let to = target.baseAddress, let from = source.baseAddress else { return 0 }
                    var written = 0
                    var tokenStart = 0
                    for (token, feature) in featureOfToken.enumerated() {
                        let tokenEnd = tokenEnds[token]
                        if feature < 0 || keep[feature] {
                            (to + written).initialize(from: from + tokenStart, count: tokenEnd - tokenStart)
                            written += tokenEnd - tokenStart
                        } else if let maskStart = mask.baseAddress {
                            (to + written).initialize(from: maskStart, count: mask.count)
                            written += mask.count
                        }
                        tokenStart = tokenEnd
                    }
                    return written
                }
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

/// A text that cannot be split into LIME features.
public struct IndexedTextError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong and what to change.
    public var description: String
}
