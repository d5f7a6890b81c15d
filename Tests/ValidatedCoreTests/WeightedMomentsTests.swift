import Foundation
import Testing
import ValidatedCore

/// ``WeightedMoments`` counts co-occurrences by popcount over rows grouped by weight; these tests hold its sums
/// to the dense `Σ w x xᵀ` on designs that exercise every part of that layout.
@Suite struct WeightedMomentsTests {
    /// A random binary design: row 0 all ones, each other row removing `1...columns` columns, as LIME samples.
    static func neighbourhood(columns: Int, rows: Int, seed: UInt64) -> (design: BinaryDesign, ones: [[Bool]]) {
        var generator = SeededGenerator(seed: seed)
        var design = BinaryDesign(columns: columns)
        var ones = [[Bool](repeating: true, count: columns)]
        design.append(zeroColumns: [])
        for _ in 1..<rows {
            let removed = Array((0..<columns).shuffled(using: &generator).prefix(1 + generator.uniform(below: columns)))
            design.append(zeroColumns: removed)
            ones.append((0..<columns).map { !removed.contains($0) })
        }
        return (design, ones)
    }

    /// The weighted-centred system `C = X̃ᵀWX̃`, `r = X̃ᵀWỹ` from the dense rows, summed row by row.
    static func denseCentredSystem(
        _ ones: [[Bool]],
        targets: [Double],
        weights: [Double]
    ) -> (matrix: [Double], rhs: [Double]) {
        let d = ones[0].count
        let total = weights.reduce(0, +)
        let x = ones.map { $0.map { $0 ? 1.0 : 0.0 } }
        let means = (0..<d).map { j in x.indices.map { weights[$0] * x[$0][j] }.reduce(0, +) / total }
        let mean = zip(weights, targets).map(*).reduce(0, +) / total
        var matrix = [Double](repeating: 0, count: d * d)
        var rhs = [Double](repeating: 0, count: d)
        for (r, row) in x.enumerated() {
            for i in 0..<d {
                rhs[i] += weights[r] * (row[i] - means[i]) * (targets[r] - mean)
                for j in 0..<d { matrix[i * d + j] += weights[r] * (row[i] - means[i]) * (row[j] - means[j]) }
            }
        }
        return (matrix, rhs)
    }

    static func expectClose(_ got: [Double], _ want: [Double], relative: Double = 1e-11) {
        let scale = max(want.map(abs).max() ?? 0, 1e-300)
        #expect(got.count == want.count)
        let worst = zip(got, want).map { abs($0 - $1) / scale }.max() ?? 0
        #expect(worst < relative, "largest difference \(worst) of the largest entry \(scale)")
    }

    @Test(arguments: [(5, 5000), (20, 700), (64, 300), (70, 400), (130, 150)])
    func kernelWeightsByKeptCountGiveTheDenseSums(columns: Int, rows: Int) {
        // Several blocks of 64 rows per group (few columns), one partial block per group, and masks of one,
        // two and three words.
        let (design, ones) = Self.neighbourhood(columns: columns, rows: rows, seed: UInt64(columns))
        let weights = ones.map { row in
            LimeTextExplainer.kernel(
                distance: LimeTextExplainer.distance(kept: row.filter { $0 }.count, total: columns),
                width: 25
            )
        }
        var generator = SeededGenerator(seed: 7)
        let targets = ones.map { row in (row[0] ? 0.4 : 0) + Double(generator.uniform(below: 1000)) / 2000 }
        let moments = WeightedMoments(design: design, targets: targets, weights: weights)
        let (matrix, rhs) = moments.centredSystem(columns: Array(0..<columns))
        let dense = Self.denseCentredSystem(ones, targets: targets, weights: weights)
        Self.expectClose(matrix, dense.matrix)
        Self.expectClose(rhs, dense.rhs)
    }

    @Test func distinctWeightsForEqualKeptCountsGiveTheDenseSums() {
        // Every row its own weight: groups of one row each, several per kept count.
        let (design, ones) = Self.neighbourhood(columns: 9, rows: 300, seed: 3)
        let weights = ones.indices.map { 0.2 + Double($0 % 37) / 40 }
        let targets = ones.indices.map { Double(($0 * 7919) % 101) / 101 }
        let subset = [7, 2, 4]
        let (matrix, rhs) = WeightedMoments(design: design, targets: targets, weights: weights).centredSystem(
            columns: subset
        )
        let dense = Self.denseCentredSystem(
            ones.map { row in subset.map { row[$0] } },
            targets: targets,
            weights: weights
        )
        Self.expectClose(matrix, dense.matrix)
        Self.expectClose(rhs, dense.rhs)
    }
}
