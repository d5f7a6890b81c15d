import Foundation
import Glibc
import Synchronization
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// Real scorer processes: the reference ONNX scorer on a model trained and converted in the test, and a scorer
/// that breaks the protocol in each way the daemon must survive (Tests/Fixtures/scorers/misbehaving_scorer.py).
@Suite struct ScorerClassifierTests {
    static let misbehaving = Fixtures.url("scorers/misbehaving_scorer.py").path

    static func command(
        _ mode: String,
        start: Double = 30,
        batch: Double = 30,
        perText: Double = 0,
        batchSize: Int = 4,
        memory: Int? = 1 << 30
    ) -> ScorerCommand {
        ScorerCommand(
            arguments: ["python3", misbehaving, mode],
            startTimeoutSeconds: start,
            batchTimeoutSeconds: batch,
            textTimeoutSeconds: perText,
            batchSize: batchSize,
            memoryLimitBytes: memory
        )
    }

    static let texts = (0..<10).map { String(repeating: "w", count: $0 + 1) }

    static func honest(_ text: String) -> [Double] {
        let p = Double(text.count % 10) / 10
        return [1 - p, p]
    }

    /// Whether `pid` is gone for good: not running and not a zombie waiting to be reaped.
    static func isReaped(_ pid: Int32) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    @Test(.timeLimit(.minutes(3)))
    func theReferenceOnnxScorerReproducesOnnxRuntimeOnEveryTestDocument() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let training = try await runPython(
            "Tests/Fixtures/scorers/make_onnx_model.py",
            [
                "--train", Fixtures.url("wordnet-glosses/train.jsonl").path, "--test",
                Fixtures.url("wordnet-glosses/test.jsonl").path,
                "--out", directory.path, "--limit-train", "2000",
            ]
        )
        try #require(
            training.status == 0,
            "make_onnx_model.py failed (run scripts/setup.sh):\n\(training.stderr.suffix(2000))"
        )
        struct Expected: Decodable {
            var texts: [String]
            var proba: [[Double]]
        }
        let expected = try JSONDecoder().decode(
            Expected.self,
            from: Data(contentsOf: URL(fileURLWithPath: directory.path + "/expected.json"))
        )
        let scorer = ScorerCommand(arguments: [
            "python3", Fixtures.repository.appendingPathComponent("scripts/onnx_scorer.py").path,
        ])
        let model = try await onOwnThread {
            try ModelLoader(scorers: ["onnx": scorer]).load(directory.path + "/model.onnx")
        }
        defer { model.close() }
        #expect(model.classifier.classes == ["0", "1"])
        let started = ContinuousClock.now
        let scores = try await onOwnThread { try model.classifier.predictProbabilities(expected.texts) }
        let elapsed = ContinuousClock.now - started
        #expect(scores.rows == expected.texts.count)
        var worst = 0.0
        for row in 0..<scores.rows {
            for column in 0..<2 { worst = max(worst, abs(scores[row, column] - expected.proba[row][column])) }
        }
        print("ONNX scorer: \(scores.rows) documents in \(elapsed), max |Δ| against ONNX Runtime \(worst)")
        #expect(worst <= 1e-6)

        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 1000))
        let explainStarted = ContinuousClock.now
        let explanation = try await onOwnThread {
            try explainer.explain(expected.texts[0], documentID: "0", label: 1, classifier: model.classifier, seed: 7)
        }
        print("ONNX scorer: a 1000-sample LIME explanation in \(ContinuousClock.now - explainStarted)")
        #expect(!explanation.weights.isEmpty)
    }

    @Test(.timeLimit(.minutes(3)))
    func concurrentCallsAreSerializedAndSplitIntoBatchesInOrder() async throws {
        let classifier = try await onOwnThread {
            try ScorerClassifier(file: "honest.model", command: Self.command("honest", batchSize: 3))
        }
        let results = try await withThrowingTaskGroup(of: (Int, ProbabilityMatrix).self) { group in
            for task in 0..<8 {
                group.addTask {
                    let texts = (0..<(task + 5)).map { String(repeating: "x", count: $0 * 7 + task) }
                    return (task, try await onOwnThread { try classifier.predictProbabilities(texts) })
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (task, matrix) in results {
            let texts = (0..<(task + 5)).map { String(repeating: "x", count: $0 * 7 + task) }
            #expect(matrix.rows == texts.count)
            for (row, text) in texts.enumerated() {
                #expect([matrix[row, 0], matrix[row, 1]] == Self.honest(text))
            }
        }
        let pid = classifier.pid
        try await onOwnThread { classifier.close() }
        #expect(Self.isReaped(pid))
        #expect(throws: ScorerError.self) { try classifier.predictProbabilities(["after close"]) }
    }

    @Test(.timeLimit(.minutes(3)))
    func aScorerThatFloodsStderrStillAnswers() async throws {
        let classifier = try await onOwnThread {
            try ScorerClassifier(file: "flood.model", command: Self.command("flood"))
        }
        defer { classifier.close() }
        let matrix = try await onOwnThread { try classifier.predictProbabilities(Self.texts) }
        #expect(matrix.values == Self.texts.flatMap(Self.honest))
    }

    /// A failure at start-up: the mode, its start time limit, what the message must say, and what its stderr tail
    /// must hold. The limits leave a loaded test machine time to start Python.
    @Test(
        .timeLimit(.minutes(3)),
        arguments: [
            ("crash-on-start", 30.0, "exited with status 3", "cannot open the model (simulated)"),
            (
                "hang-on-start", 8.0, "did not manage to announce itself within 8 s (StartTimeoutSec=); it was killed",
                "never finishes loading"
            ),
        ]
    )
    func startFailuresAreErrorsWithinTheStartTimeout(
        mode: String,
        limit: Double,
        message: String,
        tail: String
    ) async throws {
        // Timed on the scorer's thread: a loaded machine may take long to resume the test's task afterwards.
        let (result, took) = try await onOwnThread {
            let started = ContinuousClock.now
            let result = Result { () throws(ScorerError) in
                try ScorerClassifier(file: "/models/\(mode).onnx", command: Self.command(mode, start: limit))
            }
            return (result, ContinuousClock.now - started)
        }
        #expect(took < .seconds(limit + 5))
        let error = try #require(throws: ScorerError.self) { _ = try result.get() }
        #expect(error.description.hasPrefix("/models/\(mode).onnx: scorer `python3 "))
        #expect(error.reason.contains(message), "\(error)")
        #expect(error.stderrTail.contains(tail), "\(error)")
    }

    /// A failure while scoring: the mode, what the message must say, and what its stderr tail must hold.
    @Test(
        .timeLimit(.minutes(3)),
        arguments: [
            ("crash-mid-batch", "was killed by signal 11", "about to crash"),
            (
                "hang-on-batch",
                "did not manage to answer a batch of 4 texts within 3 s (BatchTimeoutSec=2 + 4 texts × TextTimeoutSec=0.25; raise them",
                "stuck on a batch"
            ),
            ("malformed", "wrote a line that is not a validated-scorer/1 reply: \"this is not JSON\"", ""),
            ("wrong-rows", "returned 3 probability rows for 4 texts", ""),
            ("wrong-columns", "returned 3 probabilities for text 0, but announced 2 classes", ""),
            ("nan", "probabilities must be finite numbers between 0 and 1", ""),
            ("not-summing", "sum to 1.2", ""),
            ("error", "reported an error for texts 0..<4: model exploded (simulated)", ""),
            (
                "memory",
                "exited with status 1 while it was expected to answer a batch of 4 texts (its memory limit is 256 MiB",
                "MemoryError"
            ),
            ("flood-and-crash", "exited with status 2", "last words"),
        ]
    )
    func scoringFailuresAreErrorsWithinTheBatchTimeoutAndLeaveNoProcess(
        mode: String,
        message: String,
        tail: String
    ) async throws {
        // Only the hanging scorer runs into its limit; the others fail on their own, given time on a loaded machine.
        let limit = mode == "hang-on-batch" ? 3.0 : 30.0
        let classifier = try await onOwnThread {
            try ScorerClassifier(
                file: "/models/\(mode).onnx",
                command: Self.command(mode, batch: limit - 1, perText: 0.25, memory: 256 << 20)
            )
        }
        let (result, took) = try await onOwnThread {
            let started = ContinuousClock.now
            let result = Result { try classifier.predictProbabilities(Self.texts) }
            return (result, ContinuousClock.now - started)
        }
        #expect(took < .seconds(limit + 5))
        let error = try #require(throws: ScorerError.self) { _ = try result.get() }
        #expect(error.reason.contains(message), "\(error)")
        #expect(tail.isEmpty || error.stderrTail.contains(tail), "\(error)")
        #expect(error.stderrTail.utf8.count <= 2048)
        #expect(Self.isReaped(classifier.pid), "scorer \(classifier.pid) left running or unreaped")
        // The scorer is gone: later calls fail at once with the same error.
        let again = try #require(throws: ScorerError.self) { try classifier.predictProbabilities(["again"]) }
        #expect(again == error)
        classifier.close()
    }

    /// The limit grows with the request: 40 texts at 0.05 s each take 2 s, over a fixed 1 s but within
    /// 1 s + 40 × 0.1 s, so a slow but healthy scorer is not killed for the size of its batch.
    @Test(.timeLimit(.minutes(3)))
    func theReplyLimitIsPerTextSoALargeBatchOfASlowScorerIsNotAHang() async throws {
        let texts = (0..<40).map { String(repeating: "w", count: $0 % 12 + 1) }
        let perText = try await onOwnThread {
            let classifier = try ScorerClassifier(
                file: "/models/slow.onnx",
                command: Self.command("slow", batch: 1, perText: 0.1, batchSize: 40)
            )
            defer { classifier.close() }
            let probabilities = try classifier.predictProbabilities(texts)
            return (probabilities.rows, classifier.maximumInputLength, classifier.truncatedTexts(among: texts))
        }
        #expect(perText.0 == 40)
        #expect(perText.1 == 8)
        #expect(perText.2 == texts.indices.filter { texts[$0].count > 8 })
        let fixed = try await onOwnThread {
            let classifier = try ScorerClassifier(
                file: "/models/slow.onnx",
                command: Self.command("slow", batch: 1, perText: 0, batchSize: 40)
            )
            defer { classifier.close() }
            return Result { try classifier.predictProbabilities(texts) }
        }
        let error = try #require(throws: ScorerError.self) { _ = try fixed.get() }
        #expect(error.reason.contains("within 1 s (BatchTimeoutSec=1 + 40 texts × TextTimeoutSec=0;"), "\(error)")
    }

    @Test(.timeLimit(.minutes(3)))
    func abortEndsACallInProgressAtOnce() async throws {
        // Signalled when the classifier, its handshake done, polls the scorer's pipes for the hung batch.
        final class BatchWaiting: @unchecked Sendable {
            let lock = NSLock()
            var armed = false
            let semaphore = DispatchSemaphore(value: 0)
        }
        let waiting = BatchWaiting()
        let classifier = try await onOwnThread {
            try ScorerClassifier(file: "hang.onnx", command: Self.command("hang-on-batch", batch: 60)) {
                if waiting.lock.withLock({ waiting.armed }) { waiting.semaphore.signal() }
            }
        }
        waiting.lock.withLock { waiting.armed = true }
        // The call blocks a thread of its own, as the suites' calls do, so the test's tasks stay free.
        let outcome: (failed: Bool, took: Duration) = try await withCheckedThrowingContinuation { continuation in
            Thread {
                let started = ContinuousClock.now
                let failed = (try? classifier.predictProbabilities(Self.texts)) == nil
                continuation.resume(returning: (failed, ContinuousClock.now - started))
            }.start()
            // abort() only once the call is surely in progress, or the test could pass without it interrupting one.
            Thread {
                waiting.semaphore.wait()
                classifier.abort()
            }.start()
        }
        #expect(outcome.failed)
        #expect(outcome.took < .seconds(5), "the call outlived abort() by \(outcome.took)")
        #expect(Self.isReaped(classifier.pid))
        classifier.close()
    }

    @Test(.timeLimit(.minutes(3)))
    func aCorruptOnnxFileIsAnErrorFromTheScorersHandshake() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("this is not a protobuf".utf8).write(to: URL(fileURLWithPath: directory.path + "/corrupt.onnx"))
        let scorer = ScorerCommand(arguments: [
            "python3", Fixtures.repository.appendingPathComponent("scripts/onnx_scorer.py").path,
        ])
        let error = try await #require(throws: ModelError.self) {
            _ = try await onOwnThread {
                try ModelLoader(scorers: ["onnx": scorer]).load(directory.path + "/corrupt.onnx")
            }
        }
        #expect(error.file == directory.path + "/corrupt.onnx")
        #expect(
            error.reason.contains("could not serve the model: cannot load \(directory.path)/corrupt.onnx"),
            "\(error)"
        )
        #expect(error.reason.contains("its stderr ends with:\nonnx_scorer: cannot load"), "\(error)")
    }

    @Test(.timeLimit(.minutes(3)))
    func waitingForAScorerIsReportedAtLeastOnceASecond() async throws {
        let calls = Mutex(0)
        let classifier = try await onOwnThread {
            try ScorerClassifier(
                file: "hang.onnx",
                command: Self.command("hang-on-batch", batch: 3),
                whileWaiting: { calls.withLock { $0 += 1 } }
            )
        }
        let before = calls.withLock { $0 }
        _ = try? await onOwnThread { try classifier.predictProbabilities(Self.texts) }
        #expect(
            calls.withLock { $0 } - before >= 3,
            "a 3-second wait reported only \(calls.withLock { $0 } - before) times"
        )
        classifier.close()
    }

    @Test func anUnknownExtensionNamesTheScorerKey() throws {
        let error = try #require(throws: ModelError.self) { _ = try ModelLoader().load("/models/m.onnx") }
        #expect(error.reason.contains("[Scorer] Command=EXTENSION COMMAND"))
    }

    @Test func commandLinesSplitLikeAShell() {
        #expect(
            ScorerCommand.split("python3  '/opt/my scorer.py' --x \"a b\" c\\ d") == [
                "python3", "/opt/my scorer.py", "--x", "a b", "c d",
            ]
        )
        #expect(ScorerCommand.split("python3 'open") == nil)
        #expect(ScorerCommand.split("  ") == [])
    }
}
