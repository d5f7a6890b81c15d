import Foundation
import Testing
import ValidatedCore

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(SHA256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(
            SHA256.hex(SHA256.hash(twoBlocks)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
        let millionA = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(SHA256.hash(millionA)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// One mebibyte, `(i·131 + i/256) mod 256`; the digest is `sha256sum`'s on the same bytes.
    @Test func oneMebibyteMatchesSha256sum() {
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 / 256) }
        #expect(SHA256.hex(SHA256.hash(bytes)) == "c5a21e51df649a4dac048e947d52ab1164616932732d122c8fc75e5955f0b589")
    }

    @Test(arguments: [1, 55, 56, 63, 64, 65, 977, 4096])
    func streamingInAnyChunkSizeMatchesOneShot(chunk: Int) {
        // 100,003 bytes `(i·31 + 7) mod 256`; digest from `sha256sum`.
        let bytes = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = "2a1683cff214df29e77df156a515258190a1bc11526d41cd2b34e72a23b6b7d6"
        var fromSlices = SHA256()
        var fromRawBuffers = SHA256()
        var fromData = SHA256()
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            let slice = bytes[start..<min(start + chunk, bytes.count)]
            fromSlices.update(slice)
            slice.withUnsafeBytes { fromRawBuffers.update($0) }
            fromData.update(Data(slice))
        }
        #expect(SHA256.hex(fromSlices.finalize()) == expected)
        #expect(SHA256.hex(fromRawBuffers.finalize()) == expected)
        #expect(SHA256.hex(fromData.finalize()) == expected)
    }

    @Test func finalizeDoesNotEndTheStream() {
        var hasher = SHA256()
        hasher.update(Array("ab".utf8))
        _ = hasher.finalize()
        hasher.update(AnySequence(Array("c".utf8)))  // a sequence without contiguous storage
        #expect(SHA256.hex(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
