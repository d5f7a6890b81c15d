import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// A checkpoint folder's identity, on real files, against the reference in scripts/folder_sha256.py.
@Suite struct CheckpointHasherTests {
    @Test func aFolderHashesLikeTheReferenceScriptAndChangesWithAnyFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let model = directory.path + "/model"
        try FileManager.default.createDirectory(atPath: model + "/tokenizer/nested", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: model + "/empty", withIntermediateDirectories: true)
        let files = [
            "config.json": "{\"a\": 1}", "tokenizer/vocab.txt": "[PAD]\nhello\n", "tokenizer/nested/é.bin": "",
            "Zeta": "upper before lower", ".hidden": "counts too",
        ]
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: model + "/" + name)) }
        try Data("outside".utf8).write(to: URL(fileURLWithPath: directory.path + "/target.bin"))
        try FileManager.default.createSymbolicLink(atPath: model + "/weights.bin", withDestinationPath: "../target.bin")

        let hasher = CheckpointHasher()
        let fingerprint = try hasher.fingerprint(model)
        let reference = directory.path + "/reference.txt"
        let run = try await runPython("scripts/folder_sha256.py", [model, "--out", reference])
        try #require(run.status == 0, "folder_sha256.py: \(run.stderr)")
        #expect(
            fingerprint.sha256
                == (try String(contentsOfFile: reference, encoding: .utf8)).trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
        )
        #expect(fingerprint.size == files.values.map(\.utf8.count).reduce(0, +) + 7)
        #expect(try hasher.fingerprint(model) == fingerprint)
        // The link's target is part of the content.
        try Data("changed".utf8).write(to: URL(fileURLWithPath: directory.path + "/target.bin"))
        #expect(try hasher.fingerprint(model).sha256 != fingerprint.sha256)
    }

    @Test func aLinkToAFolderIsRefusedNamingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/model", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/model/loop", withDestinationPath: ".")
        let error = try #require(throws: ModelError.self) {
            _ = try CheckpointHasher().fingerprint(directory.path + "/model")
        }
        #expect(error.reason.contains("loop is a link to a folder"))
    }

    @Test func aFolderWithoutAFolderScorerNamesTheLineToAdd() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = try #require(throws: ModelError.self) { _ = try ModelLoader().load(directory.path) }
        #expect(error.reason.contains("Command=folder python3 /usr/local/lib/validated/hf_scorer.py"))
    }

    @Test func aFileIsHashedLikeItsBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bytes = [UInt8]((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/m.bin"))
        let fingerprint = try CheckpointHasher().fingerprint(directory.path + "/m.bin")
        #expect(fingerprint == Fingerprint(sha256: SHA256.hex(SHA256.hash(bytes)), size: bytes.count))
    }
}
