import Foundation

/// Tokens a model must not rely on: words (matched case-insensitively) and `/regular expressions/`.
///
/// Format: one entry per line; `#` starts a comment (a whole line, or after whitespace); blank lines are ignored.
/// A regular expression must match the whole (lowercased) token.
public struct BannedTokenList: Sendable {
    /// The entries as written, for display.
    public let entries: [String]
    private let words: Set<String>
    private let patterns: [String]

    /// A list that bans nothing.
    public static let empty = BannedTokenList(entries: [], words: [], patterns: [])

    private init(entries: [String], words: Set<String>, patterns: [String]) {
        self.entries = entries
        self.words = words
        self.patterns = patterns
    }

    /// Parses a list.
    ///
    /// - Throws: ``BannedListError`` naming the line of an invalid regular expression.
    public static func parse(_ text: String, source: String) throws(BannedListError) -> BannedTokenList {
        var entries: [String] = []
        var words: Set<String> = []
        var patterns: [String] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if line.hasPrefix("#") { continue }
            if let comment = line.range(of: " #") ?? line.range(of: "\t#") { line = line[..<comment.lowerBound] }
            let entry = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if entry.isEmpty { continue }
            if entry.count >= 2, entry.hasPrefix("/"), entry.hasSuffix("/") {
                let pattern = String(entry.dropFirst().dropLast())
                do {
                    _ = try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.caseInsensitive])
                } catch {
                    throw BannedListError(source: source, line: offset + 1, reason: "\"\(entry)\" is not a valid regular expression")
                }
                patterns.append(pattern)
            } else {
                guard !entry.contains(where: \.isWhitespace) else {
                    throw BannedListError(source: source, line: offset + 1, reason: "\"\(entry)\" is not one token; write one word or /regex/ per line")
                }
                words.insert(entry.lowercased())
            }
            entries.append(entry)
        }
        return BannedTokenList(entries: entries, words: words, patterns: patterns)
    }

    /// Whether `token` (compared lowercased) is banned.
    public func matches(_ token: String) -> Bool {
        let folded = token.lowercased()
        if words.contains(folded) { return true }
        guard !patterns.isEmpty else { return false }
        let range = NSRange(folded.startIndex..., in: folded)
        for pattern in patterns {
            // Compiled per call: NSRegularExpression is not Sendable, and this runs once per distinct token.
            if let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.caseInsensitive]),
                regex.firstMatch(in: folded, range: range) != nil
            {
                return true
            }
        }
        return false
    }
}

/// A banned-token list that cannot be used.
public struct BannedListError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public var source: String
    /// The 1-based line.
    public var line: Int
    /// What is wrong.
    public var reason: String

    public var description: String { "\(source):\(line): \(reason)" }
}
