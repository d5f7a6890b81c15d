import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// A seeded mutation loop over the parsers that read users' files: checkpoints (container, metadata, pipeline,
/// tensors), evaluation sets and banned-token lists. Every mutant must either be refused with an error or give
/// a model whose probabilities are finite and sum to one; a crash or a hang fails the run.
///
/// `VALIDATED_FUZZ_ITERATIONS` sets the number of mutants per parser (default 50,000 checkpoints and as many
/// evaluation sets and lists); `VALIDATED_FUZZ_SEED` picks another random stream. The README shows how to run it
/// longer in a release build. The loops run on threads of their own (`onOwnThread`): a minute-long CPU-bound
/// loop on one of the few threads Swift concurrency shares among the tests would starve tests waiting on timers.
@Suite struct FuzzTests {
    private static let iterations =
        ProcessInfo.processInfo.environment["VALIDATED_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 50_000
    private static let seed =
        ProcessInfo.processInfo.environment["VALIDATED_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_123

    @Test func mutatedCheckpointsAreRefusedOrScoredNeverCrash() async throws {
        let outcomes = try await onOwnThread { () throws -> Outcomes in
            var random = SeededGenerator(seed: Self.seed)
            let seeds = SeedCheckpoints.all
            var outcomes = Outcomes()
            for iteration in 0..<Self.iterations {
                let seed = seeds[iteration % seeds.count]
                let mutant = CheckpointMutator.mutate(seed, using: &random)
                do {
                    let container = try SafeTensors(
                        bytes: mutant,
                        file: "fuzz.safetensors",
                        limits: .init(maxHeaderBytes: 1 << 20)
                    )
                    let pipeline = try NativeTextPipeline(container: container, file: "fuzz.safetensors")
                    let scores = try pipeline.predictProbabilities(Self.probeTexts)
                    if scores.rows != Self.probeTexts.count || scores.columns != pipeline.classes.count {
                        outcomes.failures.append(
                            "mutant \(iteration): \(scores.rows)×\(scores.columns) for \(pipeline.classes.count) classes"
                        )
                    }
                    // What the validator does with such rows: an `error` verdict naming the document.
                    if let problem = (0..<scores.rows).lazy.compactMap({ scores.problem(inRow: $0) }).first {
                        outcomes.refused[
                            "scoring: " + problem.prefix(while: { !$0.isNumber && $0 != "-" }),
                            default: 0
                        ] += 1
                        continue
                    }
                    outcomes.accepted += 1
                } catch let error as ModelError {
                    if error.file != "fuzz.safetensors" || error.reason.isEmpty {
                        outcomes.failures.append("mutant \(iteration): \(error)")
                    }
                    outcomes.refused[Self.kind(of: error.reason), default: 0] += 1
                }
            }
            return outcomes
        }
        let common = outcomes.refused.sorted { $0.value > $1.value }.prefix(12).map { "\($0.key) ×\($0.value)" }
        print(
            "fuzz: \(Self.iterations) checkpoints, \(outcomes.accepted) scored, \(outcomes.refused.count) kinds of refusal; most common: \(common.joined(separator: ", "))"
        )
        #expect(outcomes.failures.isEmpty, "\(outcomes.failures.prefix(5))")
        // The mutator must reach past the framing into the pipeline, or it tests little.
        #expect(outcomes.accepted > Self.iterations / 50, "only \(outcomes.accepted) mutants were accepted")
        #expect(outcomes.refused.count > 15, "refusals of only \(outcomes.refused.count) kinds: \(outcomes.refused)")
    }

    @Test func mutatedEvaluationSetsAreRefusedOrParsedNeverCrash() async throws {
        let outcomes = try await onOwnThread { () -> Outcomes in
            var random = SeededGenerator(seed: Self.seed ^ 0xE7A1)
            let seed = Array(SeedCheckpoints.evaluationSet.utf8)
            var outcomes = Outcomes()
            for iteration in 0..<Self.iterations {
                let mutant = ByteMutator.mutate(seed, dictionary: ByteMutator.jsonTokens, using: &random)
                do {
                    let set = try EvaluationSet.parse(
                        jsonLines: mutant,
                        source: "fuzz.jsonl",
                        fields: EvaluationFields()
                    )
                    if Set(set.documents.map(\.id)).count != set.documents.count
                        || !set.documents.contains(where: \.isPositive)
                        || !set.documents.contains(where: { !$0.isPositive })
                    {
                        outcomes.failures.append("mutant \(iteration) parsed to duplicate ids or a single class")
                    }
                    outcomes.accepted += 1
                } catch let error as EvaluationSetError {
                    if error.source != "fuzz.jsonl" || error.reason.isEmpty {
                        outcomes.failures.append("mutant \(iteration): \(error)")
                    }
                    outcomes.refused["", default: 0] += 1
                } catch {
                    outcomes.failures.append("mutant \(iteration): unexpected \(error)")
                }
            }
            return outcomes
        }
        #expect(outcomes.failures.isEmpty, "\(outcomes.failures.prefix(5))")
        #expect(
            outcomes.accepted > 0 && (outcomes.refused[""] ?? 0) > 0,
            "accepted \(outcomes.accepted), refused \(outcomes.refused)"
        )
    }

    @Test func mutatedBannedListsAreRefusedOrParsedNeverCrash() async throws {
        let outcomes = try await onOwnThread { () -> Outcomes in
            var random = SeededGenerator(seed: Self.seed ^ 0xBA77)
            let seed = Array("# artefacts\nnntp\nedu   # header\n/x[0-9]+/\n/(host|posting)s?/\n".utf8)
            var outcomes = Outcomes()
            for iteration in 0..<Self.iterations / 5 {
                let mutant = ByteMutator.mutate(
                    seed,
                    dictionary: ["/", "#", "(", ")", "[", "]", "*", "+", "\\", "{9999}", "\n", " "],
                    using: &random
                )
                do {
                    let list = try BannedTokenList.parse(String(decoding: mutant, as: UTF8.self), source: "fuzz.banned")
                    _ = list.matches("nntp")
                    outcomes.accepted += 1
                } catch let error as BannedListError {
                    if error.source != "fuzz.banned" || error.line < 1 {
                        outcomes.failures.append("mutant \(iteration): \(error)")
                    }
                } catch {
                    outcomes.failures.append("mutant \(iteration): unexpected \(error)")
                }
            }
            return outcomes
        }
        #expect(outcomes.failures.isEmpty, "\(outcomes.failures.prefix(5))")
        #expect(outcomes.accepted > 0)
    }

    private static let probeTexts = [
        "the host posting from nntp", "", "ΣΊΣΥΦΟΣ İstanbul ½ café café", String(repeating: "alpha beta ", count: 50),
    ]

    /// A refusal's first words with names and numbers taken out: its kind ("tensor : data_offsets", "header
    /// length", "__metadata__.pipeline: layers[].weight" ...).
    private static func kind(of reason: String) -> String {
        var kind = ""
        var quoted = false
        for character in reason.prefix(60) {
            if character == "\"" { quoted.toggle() } else if !quoted && !character.isNumber { kind.append(character) }
        }
        return String(kind.split(separator: " ").prefix(3).joined(separator: " "))
    }

    private struct Outcomes: Sendable {
        var accepted = 0
        var refused: [String: Int] = [:]
        /// Broken promises: an error without the file's name or a reason, an impossible parse.
        var failures: [String] = []
    }
}

/// Small valid checkpoints the mutator starts from: each output function, each activation, count and tf-idf.
private enum SeedCheckpoints {
    struct Seed {
        var header: [String: Any]
        var data: [UInt8]
    }

    static let vocabulary = ["alpha", "beta", "host", "nntp", "posting", "café", "σίσυφος", "istanbul"]

    static var all: [Seed] {
        [
            checkpoint(
                weighting: ["kind": "tfidf", "norm": "l2", "idf": "tfidf.idf"],
                hidden: [],
                output: "binary-logistic",
                classes: ["0", "1"]
            ),
            checkpoint(
                weighting: ["kind": "count", "sublinear_tf": true, "norm": "l1"],
                hidden: [("relu", 4)],
                output: "softmax",
                classes: ["a", "b", "c"]
            ),
            checkpoint(
                weighting: ["kind": "tfidf", "binary": true, "idf": "tfidf.idf"],
                hidden: [("tanh", 3), ("logistic", 2)],
                output: "binary-logistic",
                classes: ["no", "yes"]
            ),
        ]
    }

    static let evaluationSet = """
        {"id": "a", "text": "alpha beta host", "label": 1}
        {"id": "b", "text": "nntp posting", "label": "0"}
        {"text": "café Σίσυφος", "label": true}
        {"id": 7, "text": "", "label": 1.0}

        """

    /// A pipeline over ``vocabulary`` with the given hidden layers and an output layer sized for `output`.
    static func checkpoint(weighting: [String: Any], hidden: [(String, Int)], output: String, classes: [String]) -> Seed
    {
        var tensors: [(String, [Int], [Double])] = []
        var value = 0.37
        func values(_ count: Int) -> [Double] {
            (0..<count).map { _ in
                value = (value * 7.3).truncatingRemainder(dividingBy: 2) - 1
                return value
            }
        }
        if weighting["idf"] != nil {
            tensors.append(("tfidf.idf", [vocabulary.count], values(vocabulary.count).map { 1 + abs($0) }))
        }
        var layers: [[String: Any]] = []
        var inputs = vocabulary.count
        let sizes = hidden + [("identity", output == "softmax" ? classes.count : 1)]
        for (index, (activation, outputs)) in sizes.enumerated() {
            tensors.append(("l\(index).weight", [outputs, inputs], values(outputs * inputs)))
            tensors.append(("l\(index).bias", [outputs], values(outputs)))
            layers.append(["weight": "l\(index).weight", "bias": "l\(index).bias", "activation": activation])
            inputs = outputs
        }
        let pipeline: [String: Any] = [
            "classes": classes, "vocabulary": vocabulary, "weighting": weighting, "layers": layers, "output": output,
            "tokenizer": [
                "analyzer": "word", "lowercase": true, "token_pattern": #"(?u)\b\w\w+\b"#, "ngram_range": [1, 1],
            ],
        ]
        let pipelineText = String(
            decoding: try! JSONSerialization.data(withJSONObject: pipeline, options: [.sortedKeys]),
            as: UTF8.self
        )
        var header: [String: Any] = [
            "__metadata__": ["format": "validated.text-pipeline", "format_version": "1", "pipeline": pipelineText]
        ]
        var data: [UInt8] = []
        for (name, shape, numbers) in tensors {
            header[name] = [
                "dtype": "F64", "shape": shape, "data_offsets": [data.count, data.count + 8 * numbers.count],
            ]
            for number in numbers {
                withUnsafeBytes(of: number.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return Seed(header: header, data: data)
    }
}

/// Mutates a checkpoint at three levels: the framing bytes, the header's JSON values (so mutants reach the
/// pipeline checks), and the data section.
private enum CheckpointMutator {
    static func mutate(_ seed: SeedCheckpoints.Seed, using random: inout SeededGenerator) -> [UInt8] {
        var header = seed.header
        var data = seed.data
        let rounds = 1 + random.uniform(below: 3)
        var rawHeader: [UInt8]?
        for _ in 0..<rounds {
            switch random.uniform(below: 10) {
            case 0...4: header = mutateValue(header, depth: 0, using: &random) as? [String: Any] ?? header
            case 5, 6: data = ByteMutator.mutate(data, dictionary: [], using: &random)
            case 7:
                rawHeader = ByteMutator.mutate(serialize(header), dictionary: ByteMutator.jsonTokens, using: &random)
            default: header = mutatePipeline(header, using: &random)
            }
        }
        let json = rawHeader ?? serialize(header)
        var length = UInt64(json.count)
        if random.uniform(below: 20) == 0 {
            length =
                [0, 1, UInt64(json.count) + 1, UInt64(json.count) - 1, UInt64.max, 1 << 40][random.uniform(below: 6)]
        }
        var bytes = withUnsafeBytes(of: length.littleEndian) { Array($0) } + json + data
        if random.uniform(below: 20) == 0 { bytes = Array(bytes.prefix(random.uniform(below: bytes.count + 1))) }
        return bytes
    }

    private static func serialize(_ header: [String: Any]) -> [UInt8] {
        (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map(Array.init)
            ?? Array("{}".utf8)
    }

    /// Decodes the pipeline document, mutates one of its values, and encodes it again.
    private static func mutatePipeline(_ header: [String: Any], using random: inout SeededGenerator) -> [String: Any] {
        guard var metadata = header["__metadata__"] as? [String: Any], let text = metadata["pipeline"] as? String,
            let pipeline = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        else { return header }
        let mutated = mutateValue(pipeline, depth: 0, using: &random)
        guard JSONSerialization.isValidJSONObject(mutated),
            let data = try? JSONSerialization.data(withJSONObject: mutated, options: [.sortedKeys])
        else { return header }
        metadata["pipeline"] = String(decoding: data, as: UTF8.self)
        var copy = header
        copy["__metadata__"] = metadata
        return copy
    }

    /// Replaces one value somewhere inside `value` with a hostile one, or returns `value` changed at the top.
    private static func mutateValue(_ value: Any, depth: Int, using random: inout SeededGenerator) -> Any {
        if var object = value as? [String: Any], !object.isEmpty, random.uniform(below: 4) != 0 {
            let keys = object.keys.sorted()
            let key = keys[random.uniform(below: keys.count)]
            switch random.uniform(below: 12) {
            case 0: object[key] = nil
            case 1: object[key + "x"] = object[key]
            default: object[key] = mutateValue(object[key]!, depth: depth + 1, using: &random)
            }
            return object
        }
        if var array = value as? [Any], !array.isEmpty, random.uniform(below: 4) != 0 {
            let index = random.uniform(below: array.count)
            switch random.uniform(below: 10) {
            case 0: array.remove(at: index)
            case 1: array.append(array[index])
            default: array[index] = mutateValue(array[index], depth: depth + 1, using: &random)
            }
            return array
        }
        return hostile(replacing: value, using: &random)
    }

    private static func hostile(replacing value: Any, using random: inout SeededGenerator) -> Any {
        let numbers: [Any] = [
            0, -1, 1, 2, 3, 7, 8, 16, 255, 1 << 31, 1 << 40, Int.max, Int.min, 1e308, -1e308, 0.5,
            Double.leastNonzeroMagnitude, 18_446_744_073_709_551_615.0,
        ]
        let strings: [Any] = [
            "", "F32", "F16", "I64", "BOOL", "F64", "softmax", "binary-logistic", "relu", "sigmoid", "l1", "l2", "none",
            "count", "tfidf", "char", "word", "(", "(a)(b)", #"\w"#, "[", "(?u)\\b\\w+\\b", "tfidf.idf", "l0.weight",
            "l1.bias",
            "2", "1", "validated.text-pipeline", String(repeating: "x", count: 4096),
        ]
        switch random.uniform(below: 6) {
        case 0: return numbers[random.uniform(below: numbers.count)]
        case 1: return strings[random.uniform(below: strings.count)]
        case 2: return [value, value]
        case 3: return random.uniform(below: 2) == 0 ? NSNull() : (random.uniform(below: 2) == 0)
        case 4: return (0..<(1 + random.uniform(below: 4))).map { _ in numbers[random.uniform(below: numbers.count)] }
        default: return ["x": value]
        }
    }
}

/// Byte-level mutations: flips, interesting bytes, deletions, duplications, insertions of dictionary tokens,
/// truncation.
enum ByteMutator {
    static let jsonTokens = [
        "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u0000", "\\ud800", "null", "true", "1e999", "-0", "\n", "\r\n",
        String(repeating: "[", count: 600), "\u{FEFF}", "\u{FF}",
    ]

    static func mutate(_ input: [UInt8], dictionary: [String], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + random.uniform(below: 4)) {
            let position = random.uniform(below: bytes.count + 1)
            switch random.uniform(below: dictionary.isEmpty ? 5 : 7) {
            case 0 where !bytes.isEmpty:
                bytes[min(position, bytes.count - 1)] ^= UInt8(1 << random.uniform(below: 8))
            case 1 where !bytes.isEmpty:
                bytes[min(position, bytes.count - 1)] =
                    [0, 0xFF, 0x7F, 0x80, 0xC0, 0x22, 0x0A][random.uniform(below: 7)]
            case 2:
                let end = min(bytes.count, position + 1 + random.uniform(below: 16))
                bytes.removeSubrange(position..<end)
            case 3:
                let end = min(bytes.count, position + 1 + random.uniform(below: 64))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 4:
                bytes = Array(bytes.prefix(position))
            default:
                guard !dictionary.isEmpty else { continue }
                bytes.insert(contentsOf: Array(dictionary[random.uniform(below: dictionary.count)].utf8), at: position)
            }
        }
        return bytes
    }
}
