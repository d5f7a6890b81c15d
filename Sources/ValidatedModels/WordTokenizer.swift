import Foundation
import ValidatedCore

/// scikit-learn's word analyzer: optional lowercasing, then every match of the token pattern.
///
/// The default pattern `(?u)\b\w\w+\b` takes a fast path: tokens are the maximal runs of two or more word
/// characters, where a word character is, as in Python's `re`, a Unicode letter, a Unicode number or `_`.
/// Other patterns are evaluated with `NSRegularExpression`, whose syntax is close to Python's.
struct WordTokenizer: Sendable {
    static let defaultPattern = #"(?u)\b\w\w+\b"#

    let lowercase: Bool
    private let regex: NSRegularExpression?

    /// Whether tokens are the maximal runs of two or more word characters (the default pattern), so a token
    /// never spans a non-word character.
    var splitsWordRuns: Bool { regex == nil }

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
        let source = lowercase ? Self.lowercased(text) : text
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

    /// Python's `str.lower()`: Unicode default lowercasing plus the Final_Sigma rule, which turns a capital sigma
    /// preceded by a cased letter and not followed by one into `ς` (Swift's `lowercased()` always gives `σ`).
    static func lowercased(_ text: String) -> String {
        let lowered = text.lowercased()
        guard text.unicodeScalars.contains("\u{03A3}") else { return lowered }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            guard scalar == "\u{03A3}" else {
                out.append(contentsOf: String(scalar).lowercased().unicodeScalars)
                continue
            }
            let before = scalars[..<index].last { !$0.properties.isCaseIgnorable }
            let after = scalars[(index + 1)...].first { !$0.properties.isCaseIgnorable }
            let final = (before?.properties.isCased ?? false) && !(after?.properties.isCased ?? false)
            out.append(final ? "\u{03C2}" : "\u{03C3}")
        }
        return String(out)
    }
}
