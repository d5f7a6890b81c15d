import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

extension TinyBert {
    /// A scorer command for hf_scorer.py with room for torch to load on a busy machine.
    static func command(_ extra: [String] = []) -> ScorerCommand {
        ScorerCommand(arguments: ["python3", scorer] + extra, startTimeoutSeconds: 180, batchTimeoutSeconds: 120)
    }
}

/// scripts/hf_scorer.py on tiny BERT folders made in the test run: transformers' own probabilities, truncation
/// reported, a folder without its tokenizer refused at the handshake, and nothing but protocol on stdout.
@Suite(.enabled(if: TinyBert.available, Comment(rawValue: TinyBert.skipReason)), .serialized)
struct HuggingFaceScorerTests {
    struct Reference: Decodable {
        var classes: [String]
        var max_length: Int
        var probabilities: [[Double]]
        var truncated: [Int]
    }

    struct Summary: Decodable {
        struct Model: Decodable {
            var clean_test: Double
            var planted_test: Double
            var header_flips: Double
        }
        var artefact: Model
        var clean: Model
    }

    /// Evaluation texts, an empty one, and two longer than the models' 128 tokens.
    static func texts(_ models: String) throws -> [String] {
        let evaluationSet = try String(contentsOfFile: models + "/eval.jsonl", encoding: .utf8)
        let lines = evaluationSet.split(separator: "\n").prefix(300)
        struct Line: Decodable { var text: String }
        let evaluation = try lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)).text }
        let sentence = "a message sent by post about the theory of knowledge"
        let long = Array(repeating: sentence, count: 40).joined(separator: " ")
        return evaluation + ["", long, "Posting-Host: nntp.cs.example.edu " + long]
    }

    /// transformers' own probabilities for `texts`, computed by Tests/Fixtures/hf/reference_probabilities.py.
    static func reference(
        _ folder: String,
        _ texts: [String],
        in directory: TemporaryDirectory
    ) async throws -> Reference {
        let input = directory.path + "/texts.json"
        let output = directory.path + "/reference.json"
        try JSONEncoder().encode(texts).write(to: URL(fileURLWithPath: input))
        let run = try await runPython("Tests/Fixtures/hf/reference_probabilities.py", [folder, input, output])
        try #require(run.status == 0, "reference_probabilities.py failed:\n\(run.stderr.suffix(2000))")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test(.timeLimit(.minutes(10)))
    func theArtefactModelLeansOnTheHeaderAndItsCleanTwinDoesNot() async throws {
        let models = try await TinyBert.models.value
        let summary = try JSONDecoder().decode(
            Summary.self,
            from: Data(contentsOf: URL(fileURLWithPath: models + "/summary.json"))
        )
        for (name, model) in [("artefact", summary.artefact), ("clean", summary.clean)] {
            print(
                "TinyBert \(name): accuracy \(model.planted_test) planted, \(model.clean_test) clean; "
                    + "prepending the header flips \(model.header_flips) of the predictions"
            )
        }
        #expect(summary.artefact.header_flips >= summary.clean.header_flips + 0.10)
        let gain = (
            artefact: summary.artefact.planted_test - summary.artefact.clean_test,
            clean: summary.clean.planted_test - summary.clean.clean_test
        )
        #expect(gain.artefact > gain.clean, "the header should help the artefact model more than its clean twin")
        #expect(summary.clean.clean_test > 0.8, "the clean twin learnt too little to be a fair control")
    }

    @Test(.timeLimit(.minutes(10)), arguments: ["artefact", "clean"])
    func probabilitiesAreTransformersOwnAndClassesAreId2label(model: String) async throws {
        let models = try await TinyBert.models.value
        let folder = models + "/" + model
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let texts = try Self.texts(models)
        let expected = try await Self.reference(folder, texts, in: directory)
        // Small sub-batches, so the length grouping and the restored order are exercised.
        let classifier = try await onOwnThread {
            try ScorerClassifier(file: folder, command: TinyBert.command(["--max-batch-tokens", "600"]))
        }
        defer { classifier.close() }
        #expect(classifier.classes == expected.classes)
        #expect(classifier.classes == ["0", "1"])
        let scores = try await onOwnThread { try classifier.predictProbabilities(texts) }
        try #require(scores.rows == texts.count)
        var worst = 0.0
        for row in 0..<scores.rows {
            for column in 0..<2 { worst = max(worst, abs(scores[row, column] - expected.probabilities[row][column])) }
        }
        print("hf_scorer.py \(model): \(texts.count) texts, max |Δ| against transformers \(worst)")
        #expect(worst <= 1e-5)
    }

    @Test(.timeLimit(.minutes(10)))
    func truncatedTextsAreReportedAndStdoutHoldsOnlyProtocolLines() async throws {
        let models = try await TinyBert.models.value
        let folder = models + "/clean"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let long = try Self.texts(models).suffix(2)
        let requests = [["short text", long.first!, "another", long.last!], ["no truncation here"]]
        let expected = try await Self.reference(folder, requests[0], in: directory)
        let session = try await onOwnThread {
            try RawScorerSession.run(folder: folder, requests: requests, in: directory)
        }
        #expect(session.status == 0, "exit status on end of input; stderr:\n\(session.stderr.suffix(2000))")
        try #require(session.lines.count == 3, "stdout: \(session.stdout)")
        let handshake = try #require(session.lines[0])
        #expect(handshake.protocol == "validated-scorer")
        #expect(handshake.max_length == expected.max_length)
        #expect(handshake.max_length == 128)
        #expect(session.lines[1]?.id == 1)
        #expect(session.lines[1]?.truncated == [1, 3])
        #expect(expected.truncated == [1, 3])
        #expect(session.lines[2]?.id == 2)
        #expect(session.lines[2]?.truncated == nil)
        #expect(session.lines[2]?.probabilities?.count == 1)
        #expect(session.stdout.hasSuffix("\n"))
        #expect(session.stderr.contains("hf_scorer: serving"), "its log goes to stderr")
    }

    @Test(.timeLimit(.minutes(10)))
    func aFolderWithoutItsTokenizerIsRefusedAtTheHandshake() async throws {
        let folder = try await TinyBert.models.value + "/clean"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broken = directory.path + "/no-tokenizer"
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: false)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: broken + "/" + name)
        }
        let error = try await #require(throws: ScorerError.self) {
            _ = try await onOwnThread { try ScorerClassifier(file: broken, command: TinyBert.command()) }
        }
        #expect(error.reason.contains("\(broken) lacks a tokenizer"), "\(error)")
        #expect(error.reason.contains("never downloads"), "\(error)")
        #expect(error.reason.contains("it holds config.json, model.safetensors"), "\(error)")
    }
}

/// hf_scorer.py driven over its pipes directly: every request written, standard input closed, then everything it
/// wrote read to the end.
struct RawScorerSession: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Each stdout line decoded as a protocol message (nil when it is not one).
    var lines: [Message?]

    /// The fields of a handshake or a reply that the tests read.
    struct Message: Decodable, Sendable {
        var `protocol`: String?
        var id: Int?
        var max_length: Int?
        var probabilities: [[Double]]?
        var truncated: [Int]?
    }

    static func run(folder: String, requests: [[String]], in directory: TemporaryDirectory) throws -> RawScorerSession {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TinyBert.scorer, "--threads", "1", folder]
        let input = Pipe.closedOnExec()
        let output = Pipe.closedOnExec()
        let errorPath = directory.path + "/stderr.txt"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        for (index, texts) in requests.enumerated() {
            let line = try JSONSerialization.data(withJSONObject: ["id": index + 1, "texts": texts])
            try input.fileHandleForWriting.write(contentsOf: line + Data("\n".utf8))
        }
        try input.fileHandleForWriting.close()
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = stdout.split(separator: "\n").map { try? JSONDecoder().decode(Message.self, from: Data($0.utf8)) }
        let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return RawScorerSession(status: process.terminationStatus, stdout: stdout, stderr: stderr, lines: lines)
    }
}
