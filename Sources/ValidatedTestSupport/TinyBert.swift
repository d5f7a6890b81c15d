import Foundation
import ValidatedCore

/// The tiny BERT folders of `Tests/Fixtures/hf/make_tiny_bert.py`, made once per test run and cached under `.build`,
/// keyed by the script's contents so a changed script makes them again.
public enum TinyBert {
    /// Whether python3 can import torch, transformers and tokenizers; the tests are skipped when it cannot.
    public static let available: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import torch, transformers, tokenizers"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// Why the tests that need the models are skipped when ``available`` is false.
    public static let skipReason =
        "python3 cannot import torch, transformers and tokenizers: run scripts/setup.sh (it says why torch is missing)"

    /// `scripts/hf_scorer.py` of this checkout.
    public static let scorer = Fixtures.repository.appendingPathComponent("scripts/hf_scorer.py").path

    /// The folder holding `artefact/`, `clean/`, `eval.jsonl` and `summary.json`, made by the first caller.
    public static let models = Task<String, any Error> {
        let script = "Tests/Fixtures/hf/make_tiny_bert.py"
        // The script and the vocabulary it reads make the models (deterministically): both name the cache.
        let contents = try [script, "Tests/Fixtures/hf/vocab.txt"].map {
            try Data(contentsOf: Fixtures.repository.appendingPathComponent($0))
        }.reduce(Data(), +)
        let key = SHA256.hex(SHA256.hash(contents)).prefix(16)
        let folder = Fixtures.repository.appendingPathComponent(".build/hf-fixtures/tiny-bert-\(key)").path
        if FileManager.default.fileExists(atPath: folder + "/summary.json") { return folder }
        let part = folder + ".part-\(UUID().uuidString)"
        let started = ContinuousClock.now
        let run = try await runPython(script, ["--out", part])
        guard run.status == 0 else {
            try? FileManager.default.removeItem(atPath: part)
            throw FixtureError(message: "\(script) failed with status \(run.status):\n\(run.stderr.suffix(2000))")
        }
        let report = run.stderr.split(separator: "\n").filter { $0.hasPrefix("make_tiny_bert") }
        print("TinyBert: made in \(ContinuousClock.now - started):\n\(report.joined(separator: "\n"))")
        // Another test process may have made them meanwhile: either copy serves.
        if rename(part, folder) != 0 { try? FileManager.default.removeItem(atPath: part) }
        return folder
    }

    /// `make_tiny_bert.py` failed; the message quotes its standard error.
    public struct FixtureError: Error, CustomStringConvertible {
        /// What failed.
        public var message: String
        /// The message.
        public var description: String { message }
    }
}
