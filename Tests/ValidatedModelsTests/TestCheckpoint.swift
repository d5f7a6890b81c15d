import Foundation
import ValidatedModels
import ValidatedTestSupport

/// A native checkpoint written by hand: a pipeline document and F64 tensors, saved as a real safetensors file.
struct TestCheckpoint {
    var pipeline: [String: Any]
    var tensors: [String: (shape: [Int], values: [Double])]
    var formatVersion = "2"

    /// A word n-gram model over `vocabulary` with deterministic, varied weights: TF-IDF (idf `1 + i/7`, l2) into
    /// `hidden` tanh units (none: a linear model), then `classes` outputs (one logit when there are two).
    static func ngramModel(
        vocabulary: [String],
        ngramRange: [Int],
        stopWords: [String] = [],
        hidden: Int? = nil,
        classes: Int = 2,
        sublinear: Bool = false
    ) -> TestCheckpoint {
        func weights(_ count: Int, _ seed: Double) -> [Double] { (0..<count).map { 2 * sin(Double($0) * 1.7 + seed) } }
        let outputs = classes == 2 ? 1 : classes
        var layers: [[String: Any]] = []
        var tensors: [String: (shape: [Int], values: [Double])] = [
            "idf": ([vocabulary.count], vocabulary.indices.map { 1 + Double($0) / 7 })
        ]
        var inputs = vocabulary.count
        if let hidden {
            layers.append(["weight": "hidden.weight", "bias": "hidden.bias", "activation": "tanh"])
            tensors["hidden.weight"] = ([hidden, inputs], weights(hidden * inputs, 0.3))
            tensors["hidden.bias"] = ([hidden], weights(hidden, 1.1))
            inputs = hidden
        }
        layers.append(["weight": "out.weight", "bias": "out.bias", "activation": "identity"])
        tensors["out.weight"] = ([outputs, inputs], weights(outputs * inputs, 0.7))
        tensors["out.bias"] = ([outputs], weights(outputs, 0.2).map { $0 / 10 })
        let pipeline: [String: Any] = [
            "classes": (0..<classes).map(String.init),
            "tokenizer": [
                "analyzer": "word", "lowercase": true, "token_pattern": #"(?u)\b\w\w+\b"#, "ngram_range": ngramRange,
                "stop_words": stopWords,
            ],
            "vocabulary": vocabulary,
            "weighting": [
                "kind": "tfidf", "norm": "l2", "use_idf": true, "smooth_idf": true, "sublinear_tf": sublinear,
                "binary": false, "idf": "idf",
            ],
            "layers": layers,
            "output": classes == 2 ? "binary-logistic" : "softmax",
        ]
        return TestCheckpoint(pipeline: pipeline, tensors: tensors)
    }

    /// The safetensors bytes: header length, JSON header, then the tensors back to back.
    func bytes() throws -> [UInt8] {
        let document = String(
            decoding: try JSONSerialization.data(withJSONObject: pipeline, options: [.sortedKeys]),
            as: UTF8.self
        )
        var header: [String: Any] = [
            "__metadata__": [
                "format": "validated.text-pipeline", "format_version": formatVersion, "pipeline": document,
            ]
        ]
        var data: [UInt8] = []
        for name in tensors.keys.sorted() {
            let (shape, values) = tensors[name]!
            let begin = data.count
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            header[name] = ["dtype": "F64", "shape": shape, "data_offsets": [begin, data.count]]
        }
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
    }

    /// Writes the checkpoint into `directory` and loads it with ``ModelLoader``.
    func load(in directory: TemporaryDirectory, name: String = "model") throws -> LoadedModel {
        let path = directory.path + "/\(name).safetensors"
        try Data(try bytes()).write(to: URL(fileURLWithPath: path))
        return try ModelLoader().load(path)
    }
}
