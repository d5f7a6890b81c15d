import Foundation
import ValidatedCore

/// A text classifier evaluated in-process from a native checkpoint: tokenizer, word n-gram vocabulary, TF-IDF
/// or count weighting, and dense layers.
///
/// Scoring reproduces scikit-learn's `TfidfVectorizer` or `CountVectorizer` followed by the `predict_proba` of a
/// `LogisticRegression`, an `MLPClassifier` or a calibrated linear SVM (`docs/model-format.md`). Texts
/// are scored in batches: each text's features are a sparse row, the first layer adds one contiguous weight row
/// per known term, and the other layers update a whole batch of rows at a time.
public struct NativeTextPipeline: TextClassifier {
    /// A dense layer `y = activation(x · Wᵀ + b)`.
    struct Layer: Sendable {
        enum Activation: String, Sendable {
            case identity, relu, tanh, logistic
        }

        var inputs: Int
        var outputs: Int
        /// `W` transposed, row-major `inputs × outputs`: input `i`'s weights into every output are contiguous, so
        /// an input adds one row to the outputs.
        var columns: [Double]
        var bias: [Double]
        var activation: Activation
    }

    enum Output: String, Sendable {
        case binaryLogistic = "binary-logistic"
        case softmax
        case binaryProbability = "binary-probability"
        case groupNormalizedMean = "group-normalized-mean"
    }

    /// How many texts share one pass through the dense layers.
    static let batchSize = 256

    public let classes: [String]
    let tokenizer: WordTokenizer
    let terms: TermVocabulary
    let idf: [Double]?
    let norm: String?
    let sublinearTF: Bool
    let binary: Bool
    let layers: [Layer]
    let output: Output
    /// The number of groups of the `group-normalized-mean` output (1 for the others).
    let outputGroups: Int

    /// Builds a pipeline from a parsed container.
    ///
    /// Reads format versions 1 and 2 (version 2 adds word n-grams, stop words and the `binary-probability` and
    /// `group-normalized-mean` outputs; a file declaring version 1 may not use them).
    ///
    /// - Throws: ``ModelError`` naming the field that is missing, unsupported or inconsistent.
    public init(container: SafeTensors, file: String) throws(ModelError) {
        func fail(_ reason: String) -> ModelError { ModelError(file: file, reason: reason) }
        guard container.metadata["format"] == "validated.text-pipeline" else {
            throw fail(
                "__metadata__.format is \(container.metadata["format"].map { "\"\($0)\"" } ?? "missing"); "
                    + "expected \"validated.text-pipeline\" (see docs/model-format.md)"
            )
        }
        guard let version = ["1": 1, "2": 2][container.metadata["format_version"] ?? ""] else {
            throw fail(
                "__metadata__.format_version \(container.metadata["format_version"] ?? "missing") is not supported; "
                    + "this build reads versions 1 and 2"
            )
        }
        guard let pipelineText = container.metadata["pipeline"] else { throw fail("__metadata__.pipeline is missing") }
        let spec: TextPipelineSpec
        do {
            spec = try JSONDecoder().decode(TextPipelineSpec.self, from: Data(pipelineText.utf8))
        } catch let DecodingError.keyNotFound(key, context) {
            throw fail("__metadata__.pipeline: \(Self.path(context.codingPath + [key])) is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw fail("__metadata__.pipeline: \(Self.path(context.codingPath)) has the wrong type")
        } catch {
            throw fail(
                "__metadata__.pipeline is not valid JSON (\(SafeTensors.jsonProblem(error))); write the file again with "
                    + "scripts/export_sklearn.py or as docs/model-format.md §5 shows"
            )
        }
        if version == 1, let feature = Self.versionTwoFeature(of: spec) {
            throw fail("\(feature) needs format_version 2, but the file declares 1; write \"format_version\": \"2\"")
        }

        guard spec.tokenizer.analyzer == "word" else {
            throw fail("tokenizer.analyzer \"\(spec.tokenizer.analyzer)\" is not supported; use \"word\"")
        }
        let range = spec.tokenizer.ngramRange
        guard range.count == 2, range[0] >= 1, range[0] <= range[1] else {
            throw fail("tokenizer.ngram_range \(range) is invalid; give [min_n, max_n] with 1 <= min_n <= max_n")
        }
        do {
            tokenizer = try WordTokenizer(pattern: spec.tokenizer.tokenPattern, lowercase: spec.tokenizer.lowercase)
        } catch {
            throw fail("tokenizer.token_pattern \"\(spec.tokenizer.tokenPattern)\" is not a valid regular expression")
        }

        let dimension = spec.vocabulary.count
        guard dimension > 0 else { throw fail("vocabulary is empty") }
        var seen = Set<String>()
        seen.reserveCapacity(dimension)
        for term in spec.vocabulary where !seen.insert(term).inserted {
            throw fail("vocabulary term \"\(term)\" appears twice")
        }
        terms = TermVocabulary(
            terms: spec.vocabulary,
            minN: range[0],
            maxN: range[1],
            stopWords: Set(spec.tokenizer.stopWords)
        )

        switch spec.weighting.kind {
        case "tfidf" where spec.weighting.useIDF:
            guard let idfName = spec.weighting.idf else { throw fail("weighting.idf names no tensor") }
            idf = try container.doubles(idfName, shape: [dimension], file: file)
        case "tfidf", "count":
            idf = nil
        default:
            throw fail("weighting.kind \"\(spec.weighting.kind)\" is not supported; use \"tfidf\" or \"count\"")
        }
        guard [nil, "l1", "l2"].contains(spec.weighting.norm) else {
            throw fail("weighting.norm \"\(spec.weighting.norm ?? "")\" is not supported; use \"l1\", \"l2\" or null")
        }
        norm = spec.weighting.norm
        sublinearTF = spec.weighting.sublinearTF
        binary = spec.weighting.binary

        guard !spec.layers.isEmpty else { throw fail("layers is empty") }
        var layers: [Layer] = []
        var inputs = dimension
        for (index, layerSpec) in spec.layers.enumerated() {
            guard let activation = Layer.Activation(rawValue: layerSpec.activation) else {
                throw fail(
                    "layers[\(index)].activation \"\(layerSpec.activation)\" is not one of identity, relu, tanh, logistic"
                )
            }
            guard let info = container.tensors[layerSpec.weight], info.shape.count == 2 else {
                throw fail("layers[\(index)].weight \"\(layerSpec.weight)\" must name a 2-D tensor [outputs, inputs]")
            }
            let outputs = info.shape[0]
            guard info.shape[1] == inputs else {
                throw fail(
                    "layers[\(index)].weight has \(info.shape[1]) inputs but the "
                        + (index == 0 ? "vocabulary has \(inputs) terms" : "previous layer has \(inputs) outputs")
                )
            }
            let weight = try container.doubles(layerSpec.weight, shape: [outputs, inputs], file: file)
            let bias = try container.doubles(layerSpec.bias, shape: [outputs], file: file)
            let columns = [Double](unsafeUninitializedCapacity: inputs * outputs) { buffer, count in
                Self.adviseHugePages(buffer)
                for o in 0..<outputs {
                    for i in 0..<inputs {
                        (buffer.baseAddress! + i * outputs + o).initialize(to: weight[o * inputs + i])
                    }
                }
                count = inputs * outputs
            }
            layers.append(Layer(inputs: inputs, outputs: outputs, columns: columns, bias: bias, activation: activation))
            inputs = outputs
        }
        guard let output = Output(rawValue: spec.output) else {
            throw fail(
                "output \"\(spec.output)\" is not one of binary-logistic, softmax, binary-probability, group-normalized-mean"
            )
        }
        let groups = spec.outputGroups ?? 1
        switch output {
        case .softmax where inputs != spec.classes.count:
            throw fail("output softmax needs as many outputs (\(inputs)) as classes (\(spec.classes.count))")
        case .groupNormalizedMean where groups < 1 || inputs != groups * spec.classes.count:
            throw fail(
                "output group-normalized-mean needs output_groups (\(groups)) × classes (\(spec.classes.count)) outputs, "
                    + "found \(inputs)"
            )
        case .binaryLogistic, .binaryProbability:
            if inputs != 1 || spec.classes.count != 2 {
                throw fail(
                    "output \(spec.output) needs a last layer with 1 output and 2 classes, found \(inputs) and \(spec.classes.count)"
                )
            }
        default:
            break
        }
        self.output = output
        outputGroups = groups
        self.classes = spec.classes
        self.layers = layers
    }

    /// Asks the kernel to back `buffer`, still untouched, with huge pages where it covers whole ones.
    ///
    /// A large vocabulary's first layer spans hundreds of megabytes read at random rows; with 4 KiB pages nearly
    /// every row costs a TLB miss (NumPy gives its large arrays the same advice, and so scikit-learn's weights).
    /// Only advice: without transparent huge pages nothing changes.
    private static func adviseHugePages(_ buffer: UnsafeMutableBufferPointer<Double>) {
        let huge = 2 << 20
        guard let base = buffer.baseAddress, buffer.count * 8 >= 2 * huge else { return }
        let start = (Int(bitPattern: base) + huge - 1) / huge * huge
        let end = (Int(bitPattern: base + buffer.count)) / huge * huge
        guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(address, end - start, MADV_HUGEPAGE)
    }

    /// The first version-2 feature `spec` uses, named as its field, or `nil` for a version-1 pipeline.
    private static func versionTwoFeature(of spec: TextPipelineSpec) -> String? {
        if spec.tokenizer.ngramRange != [1, 1] { return "tokenizer.ngram_range \(spec.tokenizer.ngramRange)" }
        if !spec.tokenizer.stopWords.isEmpty { return "tokenizer.stop_words" }
        if [Output.binaryProbability.rawValue, Output.groupNormalizedMean.rawValue].contains(spec.output) {
            return "output \"\(spec.output)\""
        }
        return nil
    }

    public func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        var values = [Double](repeating: 0, count: texts.count * classes.count)
        var features = SparseRows()
        var hits: [Int32] = []
        var tokens: [String] = []
        for batchStart in stride(from: 0, to: texts.count, by: Self.batchSize) {
            let batch = texts[batchStart..<min(batchStart + Self.batchSize, texts.count)]
            features.removeAll()
            for text in batch {
                hits.removeAll(keepingCapacity: true)
                columns(of: text, into: &hits, tokens: &tokens)
                features.appendRow(termHits: &hits) { column, count in termValue(count: count, idf: idf?[column] ?? 1) }
                features.normalizeLastRow(norm)
            }
            let firstLayer = firstLayerInputs(features)
            let rows = probabilities(firstLayer: firstLayer, rows: batch.count)
            values.replaceSubrange(
                (batchStart * classes.count)..<((batchStart + batch.count) * classes.count),
                with: rows
            )
        }
        return ProbabilityMatrix(rows: texts.count, columns: classes.count, values: values)
    }

    /// Appends the column of every vocabulary term among `text`'s n-grams, once per occurrence, to `hits`.
    private func columns(of text: String, into hits: inout [Int32], tokens: inout [String]) {
        if terms.isUnigramOnly {
            tokenizer.forEachToken(in: text) { token in
                if let column = terms.columns[token] { hits.append(Int32(column)) }
            }
            return
        }
        tokens.removeAll(keepingCapacity: true)
        tokenizer.forEachToken(in: text) { token in
            if !terms.stopWords.contains(token) { tokens.append(token) }
        }
        terms.forEachColumn(ofTokens: tokens, mayHoldSpaces: !tokenizer.splitsWordRuns) { hits.append(Int32($0)) }
    }

    /// A term's weighted value before normalization, from its count in a document (§3, steps 4 and 5).
    func termValue(count: Double, idf: Double) -> Double {
        (binary ? 1 : (sublinearTF ? 1 + Foundation.log(count) : count)) * idf
    }

    /// The first layer's pre-activations of each row, `rows × outputs`: the bias plus one contiguous weight row
    /// per term, in ascending column order.
    ///
    /// Reading the weight rows is most of the cost for a large vocabulary, whose weights fit in no cache. (Visiting
    /// a batch's entries in column order, so that a term shared by several texts is read once, or streaming two
    /// rows at a time measured no faster on the benchmark of `scripts/bench_score.sh`.)
    func firstLayerInputs(_ features: SparseRows) -> [Double] {
        let first = layers[0]
        let outputs = first.outputs
        var result = [Double](repeating: 0, count: features.rowCount * outputs)
        result.withUnsafeMutableBufferPointer { result in
            first.columns.withUnsafeBufferPointer { weights in
                first.bias.withUnsafeBufferPointer { bias in
                    for row in 0..<features.rowCount {
                        let out = result.baseAddress! + row * outputs
                        for o in 0..<outputs { out[o] = bias[o] }
                        for entry in features.starts[row]..<features.starts[row + 1] {
                            let x = features.values[entry]
                            let weight = weights.baseAddress! + Int(features.columns[entry]) * outputs
                            for o in 0..<outputs { out[o] += x * weight[o] }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The class probabilities of `rows` rows of first-layer pre-activations (`rows × outputs`, row-major): the
    /// first layer's activation, the other layers and the output function, as `rows × classes` values.
    func probabilities(firstLayer: [Double], rows: Int) -> [Double] {
        var activations = firstLayer
        Self.apply(layers[0].activation, to: &activations)
        for layer in layers.dropFirst() {
            activations = Self.forward(activations, rows: rows, through: layer)
        }
        var result = [Double](repeating: 0, count: rows * classes.count)
        for row in 0..<rows {
            switch output {
            case .binaryLogistic:
                let p = Self.sigmoid(activations[row])
                result[2 * row] = 1 - p
                result[2 * row + 1] = p
            case .binaryProbability:
                let p = min(max(activations[row], 0), 1)
                result[2 * row] = 1 - p
                result[2 * row + 1] = p
            case .softmax:
                let logits = activations[(row * classes.count)..<((row + 1) * classes.count)]
                let top = logits.max() ?? 0
                var total = 0.0
                for (k, z) in logits.enumerated() {
                    result[row * classes.count + k] = Foundation.exp(z - top)
                    total += result[row * classes.count + k]
                }
                for k in 0..<classes.count { result[row * classes.count + k] /= total }
            case .groupNormalizedMean:
                let width = classes.count
                for group in 0..<outputGroups {
                    let values = activations[
                        ((row * outputGroups + group) * width)..<((row * outputGroups + group + 1) * width)
                    ]
                    let total = values.reduce(0, +)
                    for (k, value) in values.enumerated() {
                        result[row * width + k] += total == 0 ? 1 / Double(width) : value / total
                    }
                }
                for k in 0..<width { result[row * width + k] /= Double(outputGroups) }
            }
        }
        return result
    }

    /// `layer` applied to each of `rows` input rows: every nonzero input adds its contiguous weight row.
    private static func forward(_ inputs: [Double], rows: Int, through layer: Layer) -> [Double] {
        var result = [Double](repeating: 0, count: rows * layer.outputs)
        let width = layer.outputs
        result.withUnsafeMutableBufferPointer { result in
            inputs.withUnsafeBufferPointer { inputs in
                layer.columns.withUnsafeBufferPointer { weights in
                    layer.bias.withUnsafeBufferPointer { bias in
                        for row in 0..<rows {
                            let out = result.baseAddress! + row * width
                            for o in 0..<width { out[o] = bias[o] }
                            for i in 0..<layer.inputs {
                                let x = inputs[row * layer.inputs + i]
                                if x == 0 { continue }
                                let weight = weights.baseAddress! + i * width
                                for o in 0..<width { out[o] += x * weight[o] }
                            }
                        }
                    }
                }
            }
        }
        apply(layer.activation, to: &result)
        return result
    }

    private static func apply(_ activation: Layer.Activation, to values: inout [Double]) {
        switch activation {
        case .identity: break
        case .relu: for i in values.indices { values[i] = max(0, values[i]) }
        case .tanh: for i in values.indices { values[i] = Foundation.tanh(values[i]) }
        case .logistic: for i in values.indices { values[i] = sigmoid(values[i]) }
        }
    }

    /// The logistic function, computed as scikit-learn's `expit` does without overflow.
    static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + Foundation.exp(-z)) }
        // One call: the compiler may not merge two, as `exp` may set `errno`.
        let e = Foundation.exp(z)
        return e / (1 + e)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
}
