import Foundation

/// Tokens a model must not rely on: words, matched case-insensitively, and `/regular expressions/`, matched
/// case-insensitively against the whole token.
///
/// The format is one entry per line:
///
/// ```
/// # Newsgroup header artefacts
/// nntp
/// edu          # as in "cs.example.edu"
/// /x[0-9]+/    # a regular expression (ICU syntax) that must match the whole token
/// ```
///
/// `#` starts a comment at the start of a line or after whitespace (inside a regular expression write `[#]`);
/// blank lines are ignored. Tokens are LIME's features, runs of letters, digits and `_`, so a word entry must be
/// one such run: `posting-host` could never match and is refused.
public struct BannedTokenList: Sendable {
    /// The entries as written, for display.
    public let entries: [String]
    private let words: Set<String>
    private let patterns: [NSRegularExpression]
    /// Per entry, its lowercased word or its regular expression.
    private let matchers: [EntryMatcher]

    /// One entry's test of a token.
    private enum EntryMatcher: Sendable {
        case word(String)
        case pattern(NSRegularExpression)
    }

    /// A list that bans nothing.
    public static let empty = BannedTokenList(entries: [], matchers: [])

    private init(entries: [String], matchers: [EntryMatcher]) {
        self.entries = entries
        self.matchers = matchers
        var words: Set<String> = []
        var patterns: [NSRegularExpression] = []
        for matcher in matchers {
            switch matcher {
            case .word(let word): words.insert(word)
            case .pattern(let pattern): patterns.append(pattern)
            }
        }
        self.words = words
        self.patterns = patterns
    }

    /// Parses a list; `source` names it in errors.
    ///
    /// - Throws: ``BannedListError`` naming the line of an invalid regular expression or of a word that can never
    ///   be a token.
    public static func parse(_ text: String, source: String) throws(BannedListError) -> BannedTokenList {
        var entries: [String] = []
        var matchers: [EntryMatcher] = []
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            func fail(_ reason: String) -> BannedListError {
                BannedListError(source: source, line: offset + 1, reason: reason)
            }
            let entry = withoutComment(line).trimmingCharacters(in: .whitespacesAndNewlines)
            if entry.isEmpty { continue }
            if entry.count >= 2, entry.hasPrefix("/"), entry.hasSuffix("/") {
                let pattern = String(entry.dropFirst().dropLast())
                guard !pattern.isEmpty else {
                    throw fail("\"//\" is an empty regular expression; write a pattern between the slashes")
                }
                do {
                    matchers.append(
                        .pattern(try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.caseInsensitive]))
                    )
                } catch {
                    throw fail(
                        "\"\(entry)\" is not a valid regular expression (ICU syntax); correct it or remove the line"
                    )
                }
            } else {
                let parts = IndexedText(entry).words
                guard parts == [entry] else {
                    let advice =
                        parts.isEmpty
                        ? "write a word (letters, digits, '_') or a /regular expression/"
                        : "list \(parts.map { "\"\($0)\"" }.joined(separator: " and ")) on lines of their own, or write a /regular expression/"
                    throw fail("\"\(entry)\" can never match: tokens are runs of letters, digits and '_'; \(advice)")
                }
                matchers.append(.word(entry.lowercased()))
            }
            entries.append(entry)
        }
        return BannedTokenList(entries: entries, matchers: matchers)
    }

    /// The line up to a `#` that starts it or follows whitespace.
    private static func withoutComment(_ line: Substring) -> Substring {
        var previousIsSpace = true
        for index in line.indices {
            let character = line[index]
            if character == "#" && previousIsSpace { return line[..<index] }
            previousIsSpace = character.isWhitespace
        }
        return line
    }

    /// Whether `token` is banned: equal to a word entry ignoring case, or wholly matched by a regular expression.
    public func matches(_ token: String) -> Bool {
        if words.contains(token.lowercased()) { return true }
        let range = NSRange(token.startIndex..., in: token)
        return patterns.contains { $0.firstMatch(in: token, range: range) != nil }
    }

    /// The banned ones among `words`, lowercased: what an explanation of a text with these words is focused on
    /// (``LimeTextExplainer``'s `focus`).
    public func bannedWords(among words: some Sequence<String>) -> Set<String> {
        Set(words.lazy.map { $0.lowercased() }.filter(matches))
    }

    /// Whether entry `index` (of ``entries``) matches `token`, as ``matches(_:)`` does for the whole list.
    public func entry(_ index: Int, matches token: String) -> Bool {
        switch matchers[index] {
        case .word(let word): return token.lowercased() == word
        case .pattern(let pattern):
            return pattern.firstMatch(in: token, range: NSRange(token.startIndex..., in: token)) != nil
        }
    }

    /// The word entry `index` bans, lowercased; `nil` for a regular expression.
    public func word(ofEntry index: Int) -> String? {
        if case .word(let word) = matchers[index] { return word }
        return nil
    }
}

/// A banned-token list that cannot be used.
public struct BannedListError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public var source: String
    /// The 1-based line.
    public var line: Int
    /// What is wrong, and what to do.
    public var reason: String

    /// Creates an error.
    public init(source: String, line: Int, reason: String) {
        self.source = source
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(source):\(line): \(reason)" }
}
