/// The vocabulary of a word n-gram model: which column, if any, each n-gram of a token sequence counts into.
///
/// scikit-learn forms the n-grams of a document, for every `n` of the n-gram range, from its tokens after
/// stop-word removal, joining each window of `n` consecutive tokens with one space. Instead of building those
/// strings, the terms are kept as a trie over token ids: each vocabulary term is split at its spaces into
/// components, a token gets the id of the component it equals (or none), and a window's column is found by
/// walking the trie one token at a time. When no token holds a space this is exactly the string lookup, since a
/// window's joined string then splits back into the window's tokens; documents with such a token (possible only
/// with a custom token pattern) are looked up by string.
struct TermVocabulary: Sendable {
    /// A token that is not a component of any term: no window containing it is a term.
    static let unknown: Int32 = -1

    /// Term `i` is column `i`.
    let columns: [String: Int]
    let minN: Int
    let maxN: Int
    let stopWords: Set<String>
    /// Ids of the space-separated components of the terms (empty when ``isUnigramOnly``).
    let componentIDs: [String: Int32]
    /// The trie's first level: the root's child along each component id, or -1.
    private let rootChildren: [Int32]
    /// The trie's deeper edges.
    private let edges: TrieEdges
    /// The column of the term that ends at each node, or -1.
    private let columnOfNode: [Int32]

    /// Whether every term is one token and no token is dropped: a document's columns are its tokens' columns.
    var isUnigramOnly: Bool { maxN == 1 && stopWords.isEmpty }

    init(terms: [String], minN: Int, maxN: Int, stopWords: Set<String>) {
        var columns: [String: Int] = [:]
        columns.reserveCapacity(terms.count)
        for (index, term) in terms.enumerated() { columns[term] = index }
        self.columns = columns
        self.minN = minN
        self.maxN = maxN
        self.stopWords = stopWords
        var componentIDs: [String: Int32] = [:]
        var rootChildren: [Int32] = []
        // A term of k components adds at most k - 1 edges below the first level.
        let deeperEdges = maxN == 1 ? 0 : terms.reduce(0) { $0 + min($1.utf8.count { $0 == 0x20 }, maxN - 1) }
        var edges = TrieEdges(capacity: deeperEdges)
        var columnOfNode: [Int32] = [-1]
        if maxN > 1 || !stopWords.isEmpty {
            for (index, term) in terms.enumerated() {
                let parts = term.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count <= maxN else { continue }
                var node: Int32 = 0
                for part in parts {
                    let id = componentIDs[String(part)] ?? Int32(componentIDs.count)
                    if id == Int32(componentIDs.count) {
                        componentIDs[String(part)] = id
                        rootChildren.append(-1)
                    }
                    let existing = node == 0 ? rootChildren[Int(id)] : (edges.child(node, id) ?? -1)
                    if existing >= 0 {
                        node = existing
                        continue
                    }
                    let child = Int32(columnOfNode.count)
                    columnOfNode.append(-1)
                    if node == 0 { rootChildren[Int(id)] = child } else { edges.insert(node, id, child: child) }
                    node = child
                }
                columnOfNode[Int(node)] = Int32(index)
            }
        }
        self.componentIDs = componentIDs
        self.rootChildren = rootChildren
        self.edges = edges
        self.columnOfNode = columnOfNode
    }

    /// Calls `body` with the column of every term among the n-grams of `tokens` (stop words already removed),
    /// once per occurrence.
    /// `mayHoldSpaces` is false when the tokenizer never puts a space in a token (the default pattern).
    func forEachColumn(ofTokens tokens: [String], mayHoldSpaces: Bool, _ body: (Int) -> Void) {
        if maxN == 1 {
            for token in tokens { if let column = columns[token] { body(column) } }
        } else if mayHoldSpaces, tokens.contains(where: { $0.utf8.contains(0x20) }) {
            for n in minN...maxN where n <= tokens.count {
                for start in 0...(tokens.count - n) {
                    if let column = columns[tokens[start..<(start + n)].joined(separator: " ")] { body(column) }
                }
            }
        } else {
            forEachColumn(ofIDs: tokens.map { componentIDs[$0] ?? Self.unknown }, body)
        }
    }

    /// Calls `body` with the column of every term among the n-grams of a sequence of component ids
    /// (``componentIDs``, or ``unknown``), once per occurrence.
    func forEachColumn(ofIDs ids: some RandomAccessCollection<Int32>, _ body: (Int) -> Void) {
        var start = ids.startIndex
        while start != ids.endIndex {
            var node: Int32 = 0
            var position = start
            var length = 0
            while length < maxN, position != ids.endIndex {
                let id = ids[position]
                guard id != Self.unknown else { break }
                let child = node == 0 ? rootChildren[Int(id)] : (edges.child(node, id) ?? -1)
                guard child >= 0 else { break }
                node = child
                length += 1
                if length >= minN, columnOfNode[Int(node)] >= 0 { body(Int(columnOfNode[Int(node)])) }
                position = ids.index(after: position)
            }
            start = ids.index(after: start)
        }
    }
}
