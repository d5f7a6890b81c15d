import Testing
import ValidatedCore

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingMatchesOneShotAcrossBlockBoundaries() {
        let bytes = (0..<1_000_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256()
        for chunk in stride(from: 0, to: bytes.count, by: 977) { hasher.update(Array(bytes[chunk..<min(chunk + 977, bytes.count)])) }
        // Reference digest from Python's hashlib on the same bytes.
        let expected = "98a99a78c43949f17251c669c6e3ff37064482fdc65e85ef1f21b70c2e48a81b"
        #expect(SHA256.hex(hasher.finalize()) == expected)
        #expect(SHA256.hex(SHA256.hash(bytes)) == expected)
    }
}
