/// The rows of a ``BinaryDesign`` grouped by weight, each group's columns stored as bitsets over its rows: the
/// Gram matrix `G = XᵀWX` is then `Σ_g w_g · popcount(column i AND column j)` over the groups.
///
/// LIME weighs a sample by its distance to the original text, which depends only on how many words it keeps,
/// so a neighbourhood of `D` words has at most `D + 1` groups. Rows are grouped by their count of ones and, within
/// it, by their exact weight, so any weights give the exact `G`; distinct weights only make more groups.
///
/// Group `g`'s rows fill blocks `blockStarts[g]..<blockStarts[g + 1]` of 64 rows, the last one padded with zero
/// rows; block `b` holds each column's 64 bits in `bits[b * columns + column]`, bit `t` being its `t`-th row,
/// and three zero words follow the last block.
struct WeightGroups {
    let columns: Int
    /// Per group: its weight and its blocks, `blockStarts[g]..<blockStarts[g + 1]`.
    private(set) var weights: [Double] = []
    private(set) var blockStarts: [Int] = [0]
    private(set) var bits: [UInt64] = []

    /// Groups the rows `rows` of `design` (all of them by default); `rowWeights` has one weight per row of `design`.
    init(design: BinaryDesign, weights rowWeights: [Double], rows: Range<Int>? = nil) {
        columns = design.columns
        let (order, groupStarts) = Self.group(design, rowWeights, rows: rows ?? 0..<design.rows, weights: &weights)
        for g in weights.indices {
            blockStarts.append(blockStarts[g] + (groupStarts[g + 1] - groupStarts[g] + 63) / 64)
        }
        let blockStarts = blockStarts
        let columns = columns
        let words = design.wordsPerRow
        // Three words of padding: the Gram matrix reads four columns at a time.
        bits = [UInt64](repeating: 0, count: blockStarts[blockStarts.count - 1] * columns + 3)
        var block = [UInt64](repeating: 0, count: 64)
        design.masks.withUnsafeBufferPointer { masks in
            bits.withUnsafeMutableBufferPointer { bits in
                block.withUnsafeMutableBufferPointer { block in
                    for g in 0..<(groupStarts.count - 1) {
                        for (b, first) in stride(from: groupStarts[g], to: groupStarts[g + 1], by: 64).enumerated() {
                            let out = (blockStarts[g] + b) * columns
                            let count = min(64, groupStarts[g + 1] - first)
                            for word in 0..<words {
                                for t in 0..<64 { block[t] = t < count ? masks[order[first + t] * words + word] : 0 }
                                Self.transpose(block)
                                for c in 0..<min(64, columns - word * 64) { bits[out + word * 64 + c] = block[c] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The rows of `range` ordered by group, group `g` being `order[groupStarts[g]..<groupStarts[g + 1]]` in row
    /// order; `weights` receives each group's weight.
    private static func group(
        _ design: BinaryDesign,
        _ rowWeights: [Double],
        rows range: Range<Int>,
        weights: inout [Double]
    ) -> (order: [Int], groupStarts: [Int]) {
        struct Key: Hashable {
            var ones: Int
            var weight: UInt64
        }
        var groupOfKey: [Key: Int] = [:]
        var lastGroupOfCount = [Int](repeating: -1, count: design.columns + 1)
        var groupOfRow = [Int](repeating: 0, count: range.count)
        var sizes: [Int] = []
        for row in range {
            let ones = design.onesCount(ofRow: row)
            let w = rowWeights[row]
            var g = lastGroupOfCount[ones]
            if g < 0 || weights[g].bitPattern != w.bitPattern {
                let key = Key(ones: ones, weight: w.bitPattern)
                g = groupOfKey[key] ?? weights.count
                if g == weights.count {
                    groupOfKey[key] = g
                    weights.append(w)
                    sizes.append(0)
                }
                lastGroupOfCount[ones] = g
            }
            groupOfRow[row - range.lowerBound] = g
            sizes[g] += 1
        }
        var groupStarts = [0]
        for size in sizes { groupStarts.append(groupStarts[groupStarts.count - 1] + size) }
        var next = groupStarts
        var order = [Int](repeating: 0, count: range.count)
        for (offset, g) in groupOfRow.enumerated() {
            order[next[g]] = range.lowerBound + offset
            next[g] += 1
        }
        return (order, groupStarts)
    }

    /// Transposes a 64 × 64 bit matrix in place: afterwards bit `t` of word `c` is what bit `c` of word `t` was
    /// (Hacker's Delight, section 7–3).
    private static func transpose(_ a: UnsafeMutableBufferPointer<UInt64>) {
        var j = 32
        var mask: UInt64 = 0x0000_0000_FFFF_FFFF
        while j != 0 {
            var k = 0
            while k < 64 {
                let t = ((a[k] >> UInt64(j)) ^ a[k + j]) & mask
                a[k + j] ^= t
                a[k] ^= t << UInt64(j)
                k = (k + j + 1) & ~j
            }
            j >>= 1
            mask ^= mask << UInt64(j)
        }
    }

    /// `G = XᵀWX`, `columns × columns`, row-major: per group and column pair `i ≤ j`, the popcount of `i` ANDed
    /// with `j` over the group's blocks, then one weighted sum per pair, the groups in order.
    func gram() -> [Double] {
        let d = columns
        var gram = [Double](repeating: 0, count: d * d)
        gram.withUnsafeMutableBufferPointer { gram in
            bits.withUnsafeBufferPointer { bits in
                for (g, w) in weights.enumerated() {
                    let blocks = blockStarts[g]..<blockStarts[g + 1]
                    for i in 0..<d {
                        for j in stride(from: i, to: d, by: 4) {
                            let counts = Self.commonBits(bits, column: i, columns: j, stride: d, blocks: blocks)
                            // Through Int: the counts are small, and Int converts in one instruction.
                            for lane in 0..<min(4, d &- j) {
                                gram[i &* d &+ j &+ lane] += w * Double(Int(truncatingIfNeeded: counts[lane]))
                            }
                        }
                    }
                }
            }
            for i in 0..<d {
                for j in 0..<i { gram[i * d + j] = gram[j * d + i] }
            }
        }
        return gram
    }

    /// The rows of `blocks` where column `i` and column `j + lane` are both 1, for each of the four lanes (lanes
    /// past the last column read the padding or the next block and are to be ignored).
    ///
    /// Baseline x86-64 has no popcount instruction, so the bits are counted four columns at a time in vector
    /// registers: each word's bits are summed into its bytes (at most 8 apiece), the bytes of up to 31 words
    /// added up without overflowing, then summed once.
    private static func commonBits(
        _ bits: UnsafeBufferPointer<UInt64>,
        column i: Int,
        columns j: Int,
        stride d: Int,
        blocks: Range<Int>
    ) -> SIMD4<UInt64> {
        let words = UnsafeRawPointer(bits.baseAddress!)
        var counts = SIMD4<UInt64>()
        var first = blocks.lowerBound
        while first < blocks.upperBound {
            let end = min(first + 31, blocks.upperBound)
            var bytes = SIMD4<UInt64>()
            for block in first..<end {
                let a = SIMD4(repeating: bits[block &* d &+ i])
                let b = words.loadUnaligned(fromByteOffset: (block &* d &+ j) &* 8, as: SIMD4<UInt64>.self)
                bytes &+= bitsPerByte(a & b)
            }
            counts &+= sumOfBytes(bytes)
            first = end
        }
        return counts
    }

    /// Each byte of each lane replaced by its number of set bits.
    @inline(__always)
    private static func bitsPerByte(_ x: SIMD4<UInt64>) -> SIMD4<UInt64> {
        let pairs = x &- ((x &>> 1) & 0x5555_5555_5555_5555)
        let nibbles = (pairs & 0x3333_3333_3333_3333) &+ ((pairs &>> 2) & 0x3333_3333_3333_3333)
        return (nibbles &+ (nibbles &>> 4)) & 0x0F0F_0F0F_0F0F_0F0F
    }

    /// The sum of each lane's bytes, which are at most 248 apiece.
    @inline(__always)
    private static func sumOfBytes(_ x: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var sums = (x & 0x00FF_00FF_00FF_00FF) &+ ((x &>> 8) & 0x00FF_00FF_00FF_00FF)
        sums &+= sums &>> 16
        sums &+= sums &>> 32
        return sums & 0xFFFF
    }
}
