/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: small, fast, and the same on every machine.
///
/// Use ``uniform(below:)`` rather than `Int.random(in:using:)` where results must stay reproducible: the
/// standard library does not promise to keep its bounded-integer algorithm the same across releases.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Creates a generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(45)
        return result
    }

    /// A uniformly distributed integer in `0..<bound`, without modulo bias (Lemire's multiply-and-reject).
    ///
    /// - Precondition: `bound > 0`.
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0, "uniform(below:) needs a positive bound")
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold { product = next().multipliedFullWidth(by: n) }
        }
        return Int(product.high)
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}

/// Derives the seed of one explanation from what identifies it, so the same checkpoint gets the same
/// explanations, and so the same verdict, on every run and every machine.
public enum ExplanationSeed {
    /// The first 8 bytes, read little-endian, of SHA-256 of `"<modelSHA256>\0<documentID>\0<seedIndex>"`.
    public static func derive(modelSHA256: String, documentID: String, seedIndex: Int) -> UInt64 {
        let digest = SHA256.hash(Array("\(modelSHA256)\u{0}\(documentID)\u{0}\(seedIndex)".utf8))
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(digest[$1]) << (8 * UInt64($1)) }
    }
}
