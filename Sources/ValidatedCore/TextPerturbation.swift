/// A small edit a reader would not notice, of a word the model's explanation does not rely on.
public enum TextEdit: String, Sendable, Codable, CaseIterable {
    /// Removes one occurrence of a low-importance word.
    case dropWord = "drop-word"
    /// Repeats a low-importance word.
    case duplicateWord = "duplicate-word"
    /// Swaps two adjacent low-importance words.
    case swapWords = "swap-words"
    /// Changes the case of a low-importance word.
    case changeCase = "change-case"
    /// Adds a comma after a word, or adds or removes the final full stop.
    case punctuation
    /// Swaps two inner letters of a low-importance word of four letters or more.
    case typo
    /// Adds a neutral filler word before a low-importance word.
    case filler
}

/// A text after one or more edits.
public struct PerturbedText: Sendable, Equatable, Codable {
    /// The edited text.
    public var text: String
    /// The edits, each described for people (`typo: "river" → "rievr"`).
    public var edits: [String]

    /// Creates a perturbed text.
    public init(text: String, edits: [String]) {
        self.text = text
        self.edits = edits
    }
}

/// Label-preserving perturbations of a text (the text analogue of Ghorbani et al.'s small input changes): each
/// edit touches only words outside `protected`, the case-folded top features of the original explanation, so
/// the explanation's own evidence stays in place and any change in it is the model's fragility.
public struct TextPerturber: Sendable {
    /// The case-folded words no edit may touch.
    public var protected: Set<String>
    /// The word ``TextEdit/filler`` inserts.
    public var fillerWord = "also"

    /// Creates a perturber that leaves `protected` words (compared case-folded) alone.
    public init(protected: Set<String>) {
        self.protected = Set(protected.map { $0.lowercased() })
    }

    /// Applies `edit` at a random place where it fits, or returns `nil` when it fits nowhere.
    public func apply(
        _ edit: TextEdit,
        to text: String,
        using generator: inout SeededGenerator
    ) -> (text: String, edit: String)? {
        let indexed = IndexedText(text)
        var tokens = indexed.tokens
        let free = tokens.indices.filter {
            indexed.featureOfToken[$0] >= 0 && !protected.contains(tokens[$0].lowercased())
        }
        func pick<T>(_ candidates: [T]) -> T? {
            candidates.isEmpty ? nil : candidates[generator.uniform(below: candidates.count)]
        }
        switch edit {
        case .dropWord:
            guard indexed.words.count > 1, let at = pick(free) else { return nil }
            let word = tokens[at]
            // The word and the separator after it (or before it, at the end) go together: no double spaces.
            if at + 1 < tokens.count {
                tokens.removeSubrange(at...(at + 1))
            } else if at > 0 {
                tokens.removeSubrange((at - 1)...at)
            } else {
                tokens.remove(at: at)
            }
            return (tokens.joined(), "\(edit.rawValue): \"\(word)\"")
        case .duplicateWord:
            guard let at = pick(free) else { return nil }
            let word = tokens[at]
            tokens.insert(contentsOf: [word, " "], at: at)
            return (tokens.joined(), "\(edit.rawValue): \"\(word)\"")
        case .swapWords:
            let pairs = free.filter { free.contains($0 + 2) && tokens[$0] != tokens[$0 + 2] }
            guard let at = pick(pairs) else { return nil }
            let (first, second) = (tokens[at], tokens[at + 2])
            tokens.swapAt(at, at + 2)
            return (tokens.joined(), "\(edit.rawValue): \"\(first) \(second)\" → \"\(second) \(first)\"")
        case .changeCase:
            let cased = free.filter { tokens[$0].uppercased() != tokens[$0].lowercased() }
            guard let at = pick(cased) else { return nil }
            let word = tokens[at]
            let capitalized = word.prefix(1).uppercased() + word.dropFirst().lowercased()
            tokens[at] = word == capitalized ? word.lowercased() : capitalized
            return (tokens.joined(), "\(edit.rawValue): \"\(word)\" → \"\(tokens[at])\"")
        case .punctuation:
            if text.hasSuffix(".") { return (String(text.dropLast()), "\(edit.rawValue): final \".\" removed") }
            if generator.uniform(below: 2) == 0 { return (text + ".", "\(edit.rawValue): final \".\" added") }
            let followed = free.filter { $0 + 1 < tokens.count && tokens[$0 + 1] == " " }
            guard let at = pick(followed) else { return (text + ".", "\(edit.rawValue): final \".\" added") }
            tokens[at] += ","
            return (tokens.joined(), "\(edit.rawValue): \",\" after \"\(tokens[at].dropLast())\"")
        case .typo:
            let long = free.filter { tokens[$0].count >= 4 }
            guard let at = pick(long) else { return nil }
            var letters = Array(tokens[at])
            let inner = 1 + generator.uniform(below: letters.count - 3)  // 1...count-3, so inner+1 < count-1
            guard letters[inner] != letters[inner + 1] else { return nil }
            let word = tokens[at]
            letters.swapAt(inner, inner + 1)
            tokens[at] = String(letters)
            return (tokens.joined(), "\(edit.rawValue): \"\(word)\" → \"\(tokens[at])\"")
        case .filler:
            guard let at = pick(free) else { return nil }
            tokens.insert(contentsOf: [fillerWord, " "], at: at)
            return (tokens.joined(), "\(edit.rawValue): \"\(fillerWord)\" before \"\(tokens[at + 2])\"")
        }
    }

    /// One random edit of a kind that fits `text`, tried in a random order; `nil` when none fits.
    public func randomEdit(of text: String, using generator: inout SeededGenerator) -> (text: String, edit: String)? {
        var kinds = TextEdit.allCases
        while !kinds.isEmpty {
            let kind = kinds.remove(at: generator.uniform(below: kinds.count))
            if let edited = apply(kind, to: text, using: &generator), edited.text != text { return edited }
        }
        return nil
    }
}
