import Foundation
import ValidatedCore

/// scikit-learn's word analyzer: optional lowercasing, then every match of the token pattern.
///
/// The default pattern `(?u)\b\w\w+\b` takes a fast path: tokens are the maximal runs of two or more word
/// characters, where a word character is, as in Python's `re`, a Unicode letter, a Unicode number or `_`.
/// Other patterns are evaluated with `NSRegularExpression`, whose syntax is close to Python's.
struct WordTokenizer: Sendable {
    static let defaultPattern = #"(?u)\b\w\w+\b"#

    private let lowercase: Bool
    private let regex: NSRegularExpression?

    init(pattern: String, lowercase: Bool) throws {
        self.lowercase = lowercase
        if pattern == Self.defaultPattern {
            regex = nil
        } else {
            let body = pattern.hasPrefix("(?u)") ? String(pattern.dropFirst(4)) : pattern
            regex = try NSRegularExpression(pattern: body)
        }
    }

    /// Calls `body` with each token of `text`, in order.
    func forEachToken(in text: String, _ body: (String) -> Void) {
        let source = lowercase ? text.lowercased() : text
        if let regex {
            let range = NSRange(source.startIndex..., in: source)
            for match in regex.matches(in: source, range: range) {
                let group = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                if let tokenRange = Range(group, in: source) { body(String(source[tokenRange])) }
            }
            return
        }
        let scalars = source.unicodeScalars
        var start: String.UnicodeScalarView.Index?
        var length = 0
        var index = scalars.startIndex
        while index != scalars.endIndex {
            if IndexedText.isWordCharacter(scalars[index]) {
                if start == nil {
                    start = index
                    length = 0
                }
                length += 1
            } else if let runStart = start {
                if length >= 2 { body(String(scalars[runStart..<index])) }
                start = nil
            }
            index = scalars.index(after: index)
        }
        if let runStart = start, length >= 2 { body(String(scalars[runStart..<scalars.endIndex])) }
    }
}
