/// The edges of ``TermVocabulary``'s trie below its first level: an open-addressing hash table from
/// `(node, component id)` to the child node, with a multiplicative hash (cheaper than `Dictionary`'s seeded one,
/// and looked up once per token and n-gram length when scoring).
struct TrieEdges: Sendable {
    private static let empty = Int64.min
    private var keys: [Int64]
    private var children: [Int32]
    private let shift: Int
    private(set) var count = 0

    /// A table with room for `capacity` edges at a load factor of at most one half.
    init(capacity: Int) {
        var bits = 4
        while 1 << bits < 2 * max(capacity, 1) { bits += 1 }
        keys = [Int64](repeating: Self.empty, count: 1 << bits)
        children = [Int32](repeating: -1, count: 1 << bits)
        shift = 64 - bits
    }

    private static func key(_ node: Int32, _ id: Int32) -> Int64 { Int64(node) << 32 | Int64(id) }

    private func slot(of key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// The child of `node` along component `id`, or `nil`.
    func child(_ node: Int32, _ id: Int32) -> Int32? {
        let key = Self.key(node, id)
        var index = slot(of: key)
        while true {
            let found = keys[index]
            if found == key { return children[index] }
            if found == Self.empty { return nil }
            index = (index + 1) & (keys.count - 1)
        }
    }

    /// Adds an edge that is not in the table yet; the table must have been made with room for it.
    mutating func insert(_ node: Int32, _ id: Int32, child: Int32) {
        precondition(2 * (count + 1) <= keys.count, "TrieEdges is full")
        let key = Self.key(node, id)
        var index = slot(of: key)
        while keys[index] != Self.empty { index = (index + 1) & (keys.count - 1) }
        keys[index] = key
        children[index] = child
        count += 1
    }
}
