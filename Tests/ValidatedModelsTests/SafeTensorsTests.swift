import Foundation
import Testing
import ValidatedModels

/// Hostile and broken containers are refused with a message naming the file and the problem.
@Suite struct SafeTensorsTests {
    private func container(header: String, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        var length = UInt64(json.count)
        for _ in 0..<8 {
            bytes.append(UInt8(length & 0xFF))
            length >>= 8
        }
        return bytes + json + data
    }

    private func doubles(_ values: [Double]) -> [UInt8] {
        values.flatMap { value in (0..<8).map { UInt8((value.bitPattern >> (8 * UInt64($0))) & 0xFF) } }
    }

    @Test func readsTensorsAndMetadata() throws {
        let bytes = container(
            header: #"{"__metadata__":{"format":"x"},"w":{"dtype":"F64","shape":[1,2],"data_offsets":[0,16]}}"#,
            data: doubles([1.5, -2])
        )
        let parsed = try SafeTensors(bytes: bytes, file: "m.safetensors")
        #expect(parsed.metadata == ["format": "x"])
        #expect(try parsed.doubles("w", shape: [1, 2], file: "m.safetensors") == [1.5, -2])
    }

    @Test(arguments: [
        ([UInt8](repeating: 0, count: 3), "truncated: 3 bytes, a safetensors file starts with an 8-byte header length"),
        (
            [200, 0, 0, 0, 0, 0, 0, 0, 123],
            "not a safetensors file, or a truncated one: the header length in its first 8 bytes runs past the end "
                + "of the file of 9 bytes"
        ),
        (
            [255, 255, 255, 255, 255, 255, 255, 255],
            "not a safetensors file: its first 8 bytes, read as the header length, exceed the limit of 104857600 bytes"
        ),
    ])
    func refusesBrokenFraming(bytes: [UInt8], reason: String) {
        #expect(throws: ModelError(file: "m", reason: reason)) { try SafeTensors(bytes: bytes, file: "m") }
    }

    @Test(arguments: [
        (
            #"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,32]}}"#,
            "tensor \"w\": data_offsets [0, 32] lie outside the data section of 16 bytes (truncated file?)"
        ),
        (
            #"{"w":{"dtype":"F64","shape":[3],"data_offsets":[0,16]}}"#,
            "tensor \"w\": 16 bytes do not hold shape [3] of F64"
        ),
        (#"{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,16]}}"#, "tensor \"w\": unsupported or missing dtype"),
        (
            #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#,
            "tensors \"a\" and \"b\" overlap in the data section"
        ),
        (
            #"{"w":{"dtype":"F64","shape":[99999999999,99999999999],"data_offsets":[0,16]}}"#,
            "tensor \"w\": shape [99999999999, 99999999999] is larger than 1073741824 elements"
        ),
        (#"[1,2]"#, "header is not a JSON object"),
        (
            #"{"w":"#,
            "header is not valid JSON (Unexpected end of file during JSON parse); the file is damaged or not a safetensors file"
        ),
    ])
    func refusesBadHeaders(header: String, reason: String) {
        let bytes = container(header: header, data: doubles([1, 2]))
        #expect(throws: ModelError(file: "m", reason: reason)) { try SafeTensors(bytes: bytes, file: "m") }
    }

    @Test func refusesANestingBombWithTheParsersReason() {
        let bomb = "{\"w\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(
            throws: ModelError(
                file: "m",
                reason:
                    "header is not valid JSON (Too many nested arrays or dictionaries around character 517); the file is damaged or not a safetensors file"
            )
        ) {
            try SafeTensors(bytes: container(header: bomb), file: "m")
        }
    }

    @Test func refusesMoreValuesInAllThanTheLimit() {
        let header =
            #"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#
        #expect(
            throws: ModelError(
                file: "m",
                reason: "the tensors hold over 1 values in all, more than this daemon loads into memory"
            )
        ) {
            try SafeTensors(
                bytes: container(header: header, data: doubles([1, 2])),
                file: "m",
                limits: .init(maxTotalElements: 1)
            )
        }
    }

    @Test func refusesNonFiniteWeights() throws {
        let bytes = container(
            header: #"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}"#,
            data: doubles([1, .nan])
        )
        let parsed = try SafeTensors(bytes: bytes, file: "m")
        #expect(throws: ModelError(file: "m", reason: "tensor \"w\" holds a non-finite value at element 1")) {
            try parsed.doubles("w", shape: [2], file: "m")
        }
    }

    @Test func truncatingARealCheckpointAnywhereGivesAnErrorNotACrash() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../demo/checkpoints/01-clean.safetensors").standardized
        let bytes = try [UInt8](Data(contentsOf: url))
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            #expect(throws: ModelError.self) {
                let parsed = try SafeTensors(bytes: Array(bytes[..<cut]), file: "cut")
                _ = try NativeTextPipeline(container: parsed, file: "cut")
            }
        }
    }
}
