import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedModels
import ValidatedRuntime
import ValidatedStore

/// `validatectl explain MODEL`: one LIME explanation of one text, as a signed bar chart.
struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain one text with LIME and show its top features as a signed bar chart.",
        discussion: """
            MODEL is a checkpoint file, or a model the daemon has seen (path, file name or sha256 prefix). The \
            explanation uses the model's folder's [Explain] settings and, for --doc, the same seed as the daemon, so \
            it reproduces the explanations in the stored report: like the spurious suite's, an explanation of a             document stops sampling once the folder's banned words in it are placed (see docs/validatectl.md).             Positive weights push towards the explained class.
            """
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A checkpoint file, or a stored model's path, file name or sha256 prefix.")
    var model: String

    @Option(name: .long, help: "The text to explain.")
    var text: String?

    @Option(name: .long, help: "Explain this document of the folder's evaluation set (its id, e.g. test-2).")
    var doc: String?

    @Option(name: .long, help: "The evaluation set to take --doc from (default: the model's folder's).")
    var eval: String?

    @Option(name: .long, help: "The class to explain (default: the folder's positive label, or 1).")
    var label: String?

    @Option(name: .long, help: "Features to show (default: the folder's [Explain] Features=, 10).")
    var features: Int?

    @OptionGroup var scorers: ScorerOptions

    func validate() throws {
        guard (text == nil) != (doc == nil) else {
            throw ValidationError("Please give exactly one of --text or --doc.")
        }
        if let features, features < 1 { throw ValidationError("Please give --features of at least 1.") }
    }

    func run() async throws {
        let (path, folder) = try resolveModel()
        var settings = folder?.settings.lime ?? LimeSettings()
        if let features { settings.features = features }
        let (document, banned) = try resolveDocument(folder: folder)
        let loader = try scorers.loader(folder: folder)
        let loaded: LoadedModel
        do {
            loaded = try loader.load(path)
        } catch {
            throw CtlError.unreadable(error)
        }
        defer { loaded.close() }
        let className = label ?? folder?.fields.positiveLabel ?? "1"
        guard let classIndex = loaded.classifier.classes.firstIndex(of: className) else {
            throw CtlError.noSuchClass(classes: loaded.classifier.classes)
        }
        let explanation: Explanation
        do {
            explanation = try LimeTextExplainer(settings: settings).explain(
                document.text,
                documentID: document.id,
                label: classIndex,
                classifier: loaded.classifier,
                seed: ExplanationSeed.derive(modelSHA256: loaded.sha256, documentID: document.id, seedIndex: 0),
                focus: banned?.bannedWords(among: (try? settings.indexedText(document.text))?.words ?? [])
            )
        } catch {
            throw CtlError.explanation(documentID: document.id, cause: error)
        }
        if output.json {
            try printJSON(
                ExplainJSON(path: path, sha256: loaded.sha256, document: document, label: className, explanation)
            )
        } else {
            print(
                Self.render(
                    Visible.explanation(explanation),
                    model: Visible.text(path),
                    text: Visible.text(document.text),
                    label: Visible.text(className),
                    legend: !output.noLegend,
                    palette: .standardOutput
                ),
                terminator: ""
            )
        }
    }

    /// The checkpoint's path and, when the daemon knows the model and the configuration names its folder, that
    /// folder.
    private func resolveModel() throws -> (String, FolderConfiguration?) {
        let configuration = try options.configuration()
        func folder(of record: ModelRecord) -> FolderConfiguration? {
            configuration?.folders.first { $0.name == record.folder }
        }
        let store = try? openStore(options).0
        let record = store.flatMap { try? $0.findModel(model) }
        if FileManager.default.fileExists(atPath: model) {
            return (model, record.flatMap(folder(of:)) ?? StoreOptions.folder(holding: model, in: configuration))
        }
        guard let store else {
            throw ValidationError(
                "\(model) is not a file, and there is no store to look it up in; give a checkpoint path"
            )
        }
        let found = try findModel(model, in: store)
        return (found.path, folder(of: found))
    }

    /// The text to explain and, for a document of the evaluation set, the banned list the spurious suite
    /// focused its explanation on (empty without one).
    private func resolveDocument(folder: FolderConfiguration?) throws -> (LabeledDocument, BannedTokenList?) {
        if let text { return (LabeledDocument(id: "text", text: text, isPositive: false), nil) }
        guard let evaluationSet = eval ?? folder?.evaluationSet else {
            throw ValidationError(
                "--doc needs an evaluation set: pass --eval FILE, or name a model whose folder is configured"
            )
        }
        let resources: FolderResources
        do {
            resources = try FolderResources.load(
                evaluationSet: evaluationSet,
                fields: folder?.fields ?? EvaluationFields(),
                bannedTokens: folder?.bannedTokens
            )
        } catch {
            throw CtlError.unreadable(error)
        }
        guard let document = resources.evaluation.documents.first(where: { $0.id == doc }) else {
            let examples = resources.evaluation.documents.prefix(3).map(\.id).joined(separator: ", ")
            throw ValidationError("\(evaluationSet) has no document \"\(doc ?? "")\"; ids look like \(examples)")
        }
        return (document, resources.banned)
    }

    static func render(
        _ explanation: Explanation,
        model: String,
        text: String,
        label: String,
        legend: Bool,
        palette: Palette
    ) -> String {
        var out = ""
        if legend {
            out += "\(Format.fileName(model)), document \(explanation.documentID), class \"\(label)\": "
            out += "p = \(Format.number(explanation.prediction)), surrogate R² \(Format.number(explanation.score))\n"
            out += "  \"\(text.count <= 100 ? text : String(text.prefix(99)) + "…")\"\n\n"
        }
        out += bars(explanation.weights, palette: palette)
        if legend { out += "\n  ▏ right of the axis: towards \"\(label)\"; left: against\n" }
        return out
    }

    /// One line per feature: name, signed weight, and a bar left (negative) or right (positive) of an axis,
    /// scaled to the largest |weight|.
    static func bars(_ weights: [FeatureWeight], palette: Palette, halfWidth: Int = 20) -> String {
        let largest = weights.map { abs($0.weight) }.max() ?? 0
        let nameWidth = min(24, weights.map(\.feature.count).max() ?? 0)
        var out = ""
        for entry in weights {
            let length = largest > 0 ? Int((abs(entry.weight) / largest * Double(halfWidth)).rounded()) : 0
            let bar = String(repeating: "█", count: max(length, entry.weight == 0 ? 0 : 1))
            let name = String(entry.feature.prefix(nameWidth)).padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let weight = String(format: "%+.4f", entry.weight)
            if entry.weight < 0 {
                let padding = String(repeating: " ", count: halfWidth - bar.count)
                out += "  \(name) \(weight) \(padding)\(palette.negative(bar))│\n"
            } else {
                out += "  \(name) \(weight) \(String(repeating: " ", count: halfWidth))│\(palette.positive(bar))\n"
            }
        }
        return out
    }
}

/// `validatectl explain --json`.
struct ExplainJSON: Encodable {
    struct Model: Encodable {
        var path: String
        var sha256: String
    }

    struct Document: Encodable {
        var id: String
        var text: String
    }

    var schema = jsonSchema
    var model: Model
    var document: Document
    var label: String
    var prediction: Double
    var localPrediction: Double
    var intercept: Double
    var score: Double
    var weights: [FeatureWeight]

    init(path: String, sha256: String, document: LabeledDocument, label: String, _ explanation: Explanation) {
        model = Model(path: path, sha256: sha256)
        self.document = Document(id: document.id, text: document.text)
        self.label = label
        prediction = explanation.prediction
        localPrediction = explanation.localPrediction
        intercept = explanation.intercept
        score = explanation.score
        weights = explanation.weights
    }

    enum CodingKeys: String, CodingKey {
        case schema, model, document, label, prediction, intercept, score, weights
        case localPrediction = "local_prediction"
    }
}
