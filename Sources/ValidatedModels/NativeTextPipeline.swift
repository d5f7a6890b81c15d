import Foundation
import ValidatedCore

/// A text classifier evaluated in-process from a native checkpoint: tokenizer, vocabulary, TF-IDF or count
/// weighting, and dense layers.
///
/// Scoring reproduces scikit-learn's `TfidfVectorizer` followed by `LogisticRegression.predict_proba`.
public struct NativeTextPipeline: TextClassifier {
    /// A dense layer `y = activation(x · Wᵀ + b)`.
    struct Layer: Sendable {
        enum Activation: String, Sendable {
            case identity, relu, tanh, logistic
        }

        var inputs: Int
        var outputs: Int
        /// Row-major `outputs × inputs`.
        var weight: [Double]
        var bias: [Double]
        var activation: Activation
    }

    enum Output: String, Sendable {
        case binaryLogistic = "binary-logistic"
        case softmax
    }

    public let classes: [String]
    let tokenizer: WordTokenizer
    let vocabulary: [String: Int]
    let idf: [Double]?
    let norm: String?
    let sublinearTF: Bool
    let binary: Bool
    /// The first layer stored column-major (`inputs × outputs`) so sparse input rows are cheap.
    let firstLayerColumns: [Double]
    let layers: [Layer]
    let output: Output

    /// Builds a pipeline from a parsed container.
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
        guard container.metadata["format_version"] == "1" else {
            throw fail("__metadata__.format_version \(container.metadata["format_version"] ?? "missing") is not supported; this build reads version 1")
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
            throw fail("__metadata__.pipeline is not valid JSON")
        }

        guard spec.tokenizer.analyzer == "word" else {
            throw fail("tokenizer.analyzer \"\(spec.tokenizer.analyzer)\" is not supported; use \"word\"")
        }
        guard spec.tokenizer.ngramRange == [1, 1] else {
            throw fail("tokenizer.ngram_range \(spec.tokenizer.ngramRange) is not supported yet; use [1, 1]")
        }
        do {
            tokenizer = try WordTokenizer(pattern: spec.tokenizer.tokenPattern, lowercase: spec.tokenizer.lowercase)
        } catch {
            throw fail("tokenizer.token_pattern \"\(spec.tokenizer.tokenPattern)\" is not a valid regular expression")
        }

        let dimension = spec.vocabulary.count
        guard dimension > 0 else { throw fail("vocabulary is empty") }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(dimension)
        for (index, term) in spec.vocabulary.enumerated() {
            guard vocabulary.updateValue(index, forKey: term) == nil else {
                throw fail("vocabulary term \"\(term)\" appears twice")
            }
        }
        self.vocabulary = vocabulary

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
                throw fail("layers[\(index)].activation \"\(layerSpec.activation)\" is not one of identity, relu, tanh, logistic")
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
            layers.append(Layer(inputs: inputs, outputs: outputs, weight: weight, bias: bias, activation: activation))
            inputs = outputs
        }
        guard let output = Output(rawValue: spec.output) else {
            throw fail("output \"\(spec.output)\" is not one of binary-logistic, softmax")
        }
        switch output {
        case .binaryLogistic where inputs != 1 || spec.classes.count != 2:
            throw fail("output binary-logistic needs a last layer with 1 output and 2 classes, found \(inputs) and \(spec.classes.count)")
        case .softmax where inputs != spec.classes.count:
            throw fail("output softmax needs as many outputs (\(inputs)) as classes (\(spec.classes.count))")
        default:
            break
        }
        self.output = output
        self.classes = spec.classes

        let first = layers[0]
        var columns = [Double](repeating: 0, count: first.inputs * first.outputs)
        for o in 0..<first.outputs {
            for i in 0..<first.inputs { columns[i * first.outputs + o] = first.weight[o * first.inputs + i] }
        }
        firstLayerColumns = columns
        self.layers = layers
    }

    public func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        var values: [Double] = []
        values.reserveCapacity(texts.count * classes.count)
        var counts: [Int: Double] = [:]
        for text in texts {
            counts.removeAll(keepingCapacity: true)
            tokenizer.forEachToken(in: text) { token in
                if let column = vocabulary[token] { counts[column, default: 0] += 1 }
            }
            values.append(contentsOf: probabilities(counts: counts))
        }
        return ProbabilityMatrix(rows: texts.count, columns: classes.count, values: values)
    }

    private func probabilities(counts: [Int: Double]) -> [Double] {
        var features: [(column: Int, value: Double)] = []
        features.reserveCapacity(counts.count)
        for (column, count) in counts {
            var value = binary ? 1 : (sublinearTF ? 1 + Foundation.log(count) : count)
            if let idf { value *= idf[column] }
            features.append((column, value))
        }
        let scale: Double
        switch norm {
        case "l2": scale = features.reduce(0) { $0 + $1.value * $1.value }.squareRoot()
        case "l1": scale = features.reduce(0) { $0 + abs($1.value) }
        default: scale = 1
        }
        let first = layers[0]
        var activations = first.bias
        if scale > 0 {
            for (column, value) in features {
                let x = value / scale
                let base = column * first.outputs
                for o in 0..<first.outputs { activations[o] += x * firstLayerColumns[base + o] }
            }
        }
        return probabilities(firstLayer: activations)
    }

    /// The class probabilities from the first layer's pre-activations: its activation, the other layers and the
    /// output function.
    func probabilities(firstLayer: [Double]) -> [Double] {
        var activations = firstLayer
        Self.apply(layers[0].activation, to: &activations)
        for layer in layers.dropFirst() {
            var next = layer.bias
            for o in 0..<layer.outputs {
                var sum = 0.0
                let row = o * layer.inputs
                for i in 0..<layer.inputs { sum += layer.weight[row + i] * activations[i] }
                next[o] += sum
            }
            Self.apply(layer.activation, to: &next)
            activations = next
        }
        switch output {
        case .binaryLogistic:
            let p = Self.sigmoid(activations[0])
            return [1 - p, p]
        case .softmax:
            let top = activations.max() ?? 0
            let exps = activations.map { Foundation.exp($0 - top) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
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
        z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
}
