import Foundation
import Testing
import ValidatedCtl
import ValidatedTestSupport

/// `validatectl validate` serves `.onnx` files and Hugging Face folders with the reference scorers installed
/// beside it (PREFIX/lib/validated for PREFIX/bin/validatectl), without --scorer, and says what to install when
/// a scorer's runtime is missing.
@Suite(.timeLimit(.minutes(3))) struct ReferenceScorerTests {
    /// validatectl and the reference scorers laid out as scripts/install.sh lays them out under a prefix.
    static func install(_ prefix: String) throws -> String {
        let manager = FileManager.default
        try manager.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: prefix + "/lib/validated", withIntermediateDirectories: true)
        try Binaries.copyExecutable(from: Binaries.url("validatectl").path, to: prefix + "/bin/validatectl")
        for script in ["onnx_scorer.py", "hf_scorer.py"] {
            try manager.copyItem(
                atPath: Fixtures.repository.appendingPathComponent("scripts/" + script).path,
                toPath: prefix + "/lib/validated/" + script
            )
        }
        return prefix + "/bin/validatectl"
    }

    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws
        -> (code: Int32, output: String)
    {
        let output = Pipe.closedOnExec()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func onnxFilesAndHuggingFaceFoldersAreServedWithoutFlags() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let validatectl = try Self.install(directory.path + "/prefix")
        let eval = Fixtures.repository.appendingPathComponent("demo/eval.jsonl").path
        let model = directory.path + "/m.onnx"
        try Data("not an onnx graph".utf8).write(to: URL(fileURLWithPath: model))
        let common = ["--eval", eval, "--database", directory.path + "/none.sqlite", "--config", "/nonexistent"]

        let served = try Self.run(validatectl, ["validate", model] + common)
        #expect(served.code == 2, "\(served.output)")
        #expect(!served.output.contains("needs a scorer"), "\(served.output)")
        #expect(served.output.contains("cannot load \(model)"), "the reference scorer answered: \(served.output)")

        // Without its runtime, the scorer says what to install.
        let hidden = directory.path + "/hidden"
        try FileManager.default.createDirectory(atPath: hidden, withIntermediateDirectories: true)
        for module in ["onnxruntime", "torch"] {
            try "raise ImportError('No module named \(module)')\n"
                .write(toFile: "\(hidden)/\(module).py", atomically: true, encoding: .utf8)
        }
        let missing = try Self.run(validatectl, ["validate", model] + common, environment: ["PYTHONPATH": hidden])
        #expect(missing.code == 2)
        #expect(missing.output.contains("-m pip install onnxruntime numpy"), "\(missing.output)")

        let folder = directory.path + "/hf-model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors", "vocab.txt"] {
            try "{}".write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8)
        }
        let huggingFace = try Self.run(validatectl, ["validate", folder] + common, environment: ["PYTHONPATH": hidden])
        #expect(huggingFace.code == 2)
        #expect(!huggingFace.output.contains("needs a scorer"), "\(huggingFace.output)")
        #expect(huggingFace.output.contains("-m pip install torch transformers"), "\(huggingFace.output)")
    }

    @Test func aFolderOfTheInstalledDaemonTakesOnnxFilesAndFoldersWithoutAScorerSection() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let validatectl = try Self.install(directory.path + "/prefix")
        let layout = try DemoStore.writeConfiguration(root: directory.path + "/etc")
        let checked = try Self.run(validatectl, ["config", "check", "--json", "--config", layout.config])
        #expect(checked.code == 0, "\(checked.output)")
        let folder = try #require(try JSONValue.parse(checked.output)["folders"]?.array.first)
        #expect(folder["extensions"]?.array.compactMap(\.string) == ["safetensors", "onnx"])
        let scorers = folder["scorers"]?.array ?? []
        #expect(scorers.compactMap { $0["extension"]?.string }.sorted() == ["folder", "onnx"])
        let lib = directory.path + "/prefix/lib/validated/"
        #expect(
            scorers.first { $0["extension"]?.string == "onnx" }?["command"]?.array.compactMap(\.string)
                == ["python3", lib + "onnx_scorer.py"]
        )

        // A folder that lists its extensions keeps them; the folder scorer is still there for checkpoint folders.
        try "[Folder]\nPath=../incoming\nEvaluationSet=\(DemoStore.demo)/eval.jsonl\nExtensions=safetensors\n"
            .write(toFile: directory.path + "/etc/folders.d/topics.conf", atomically: true, encoding: .utf8)
        let listed = try Self.run(validatectl, ["config", "check", "--json", "--config", layout.config])
        #expect(listed.code == 0, "\(listed.output)")
        let own = try #require(try JSONValue.parse(listed.output)["folders"]?.array.first)
        #expect(own["extensions"]?.array.compactMap(\.string) == ["safetensors"])
        #expect(own["scorers"]?.array.compactMap { $0["extension"]?.string } == ["folder"])
    }
}
