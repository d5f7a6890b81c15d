/// LIME's neighbourhood of a text, drawn a block of rows at a time.
///
/// Row 0 removes nothing; each other row removes `s ~ U{1..D}` distinct features of the `D`, a uniform subset
/// drawn by a partial Fisher–Yates shuffle of a permutation that carries over from row to row. The rows come
/// from one random stream in order, so the neighbourhood is prefix-consistent: its first `n` rows for a seed
/// are the same whether it is later extended or not. That is what lets a certified explanation
/// (``LimeSettings/certifyConfidence``) add samples until it is sure, and an explanation that never certifies
/// end exactly where a fixed-size one does.
struct NeighbourhoodSampler {
    private var generator: SeededGenerator
    private var permutation: [Int32]
    /// The rows drawn so far.
    private(set) var design: BinaryDesign

    /// Starts the neighbourhood of a text with `features` features (at least 1) with its row 0.
    init(features d: Int, seed: UInt64, expectedRows: Int) {
        generator = SeededGenerator(seed: seed)
        permutation = (0..<d).map { Int32($0) }
        design = BinaryDesign(columns: d)
        design.reserveCapacity(rows: expectedRows)
        design.append(zeroColumns: EmptyCollection())
    }

    /// Draws rows until there are `rows` of them; nothing when there already are.
    mutating func extend(to rows: Int) {
        let d = design.columns
        permutation.withUnsafeMutableBufferPointer { permutation in
            while design.rows < rows {
                let removed = 1 &+ generator.uniform(below: d)
                // The drawn columns as bits, for a design of at most 64 columns (unused above).
                var cleared: UInt64 = 0
                for i in 0..<removed {
                    // Swapped without a branch on `i == j`, which the last draws of a row often hit at random.
                    let j = i &+ generator.uniform(below: d &- i)
                    let drawn = permutation[j]
                    permutation[j] = permutation[i]
                    permutation[i] = drawn
                    cleared |= 1 &<< UInt64(truncatingIfNeeded: drawn)
                }
                if d <= 64 {
                    design.appendTrusted(cleared: cleared, count: removed)
                } else {
                    design.appendTrusted(zeroColumns: UnsafeBufferPointer(rebasing: permutation[0..<removed]))
                }
            }
        }
    }
}
