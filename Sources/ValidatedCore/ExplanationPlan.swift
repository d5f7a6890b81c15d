/// What an explanation is for.
enum ExplanationPurpose: String, Hashable, Sendable {
    /// A chosen document at seed 0: the spurious suite's explanation, and the stability suite's first seed.
    case primary
    /// A stability document under another seed: LIME's own noise.
    case seedStability
    /// The champion's explanation of a chosen document, under the challenger's seed.
    case championComparison
    /// A random label-preserving edit of a stability document.
    case perturbation
    /// A candidate edit of the greedy search.
    case attack
}

/// One explanation to compute: which text of which document, under which seed, by which model, and what for.
struct ExplanationJob: Sendable {
    /// The document the text stands for.
    var document: PlannedDocument
    /// The text explained: the document's, or an edit of it.
    var text: String
    /// The seed's index among the document's seeds (0 for edits, which derive a seed of their own).
    var seedIndex: Int
    /// LIME's seed.
    var seed: UInt64
    /// The model explained.
    var role: ModelRole
    /// What the explanation serves.
    var purpose: ExplanationPurpose
    /// The words the explanation's verdict turns on, or `nil` for the whole top k (``LimeTextExplainer``'s
    /// `focus`).
    var focus: Set<String>?

    /// The document's id, which the explanation carries.
    var documentID: String { document.document.id }

    /// Seed `seedIndex` of `document`; the seed derives from the challenger's hash `modelSHA256` for both
    /// models, so that they are explained on the same neighbourhoods.
    init(
        document: PlannedDocument,
        seedIndex: Int,
        role: ModelRole,
        purpose: ExplanationPurpose,
        modelSHA256: String,
        focus: Set<String>? = nil
    ) {
        self.document = document
        self.focus = focus
        text = document.document.text
        self.seedIndex = seedIndex
        seed = ExplanationSeed.derive(modelSHA256: modelSHA256, documentID: document.document.id, seedIndex: seedIndex)
        self.role = role
        self.purpose = purpose
    }

    /// The challenger's explanation of `text`, an edit of `document`, under a seed of the edited text's own: an
    /// original's explanations differ from one another by LIME's sampling noise, and so must an edited text's
    /// from the original's, or the comparison with the noise floor would favour the edits.
    init(
        edited text: String,
        of document: PlannedDocument,
        purpose: ExplanationPurpose,
        modelSHA256: String,
        focus: Set<String>? = nil
    ) {
        self.document = document
        self.focus = focus
        self.text = text
        seedIndex = 0
        seed = ExplanationSeed.derive(
            modelSHA256: modelSHA256,
            documentID: document.document.id + "\u{0}" + text,
            seedIndex: 0
        )
        role = .challenger
        self.purpose = purpose
    }
}

/// An evaluation document chosen for explanation, with its row in the evaluation set.
struct PlannedDocument: Sendable {
    /// Its row in the evaluation set (the row of its scores).
    var row: Int
    /// The document.
    var document: LabeledDocument
}

/// The explanation-plan phase's output: the documents each suite explains and the jobs that explain them.
///
/// Documents without a feature (a word, or with [Explain] CharLevel= a character) have nothing for LIME to
/// perturb; the choice ignores them, and depends on the evaluation set alone, so champion and challenger are
/// explained on the same documents. The same split gives the token association its tokens.
struct ExplanationPlan: Sendable {
    /// Each evaluation document's features, in set order; empty for a document without any.
    var words: [[String]]
    /// The spurious suite's documents: up to ``SpuriousSettings/documents`` spread evenly over the explainable
    /// ones, in set order.
    var documents: [PlannedDocument]
    /// How many of ``documents``, the first, the stability suite re-explains.
    var stabilityCount: Int
    /// Seeds per stability document, seed 0 (the spurious suite's explanation) included.
    var seeds: Int
    /// The challenger's hash, from which every seed derives.
    var modelSHA256: String
    /// The planned documents' banned words (lowercased) by row: the focus of the spurious suite's explanations.
    var bannedWords: [Int: Set<String>]

    /// Plans the explanations of `request`.
    ///
    /// - Throws: ``ValidationFailure`` when the LIME settings are unusable or no document has a feature.
    init(_ request: ValidationRequest) throws {
        let lime = request.settings.lime
        if let problem = lime.problem { throw ValidationFailure("[Explain]: \(problem)") }
        let all = request.evaluation.documents
        let words = all.map { (try? lime.indexedText($0.text))?.words ?? [] }
        self.words = words
        let explainable = all.indices.filter { !words[$0].isEmpty }.map { PlannedDocument(row: $0, document: all[$0]) }
        guard !explainable.isEmpty else {
            throw ValidationFailure(
                "no document of the evaluation set has a word to explain (LIME's split: \(lime.featureDescription))"
            )
        }
        documents = Self.spread(explainable, count: request.settings.spurious.documents)
        stabilityCount = min(request.settings.stability.documents, documents.count)
        seeds = max(request.settings.stability.seeds, 1)
        modelSHA256 = request.challengerSHA256
        bannedWords = Dictionary(
            documents.map { ($0.row, request.banned.bannedWords(among: words[$0.row])) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// The stability suite's documents.
    var stabilityDocuments: ArraySlice<PlannedDocument> { documents.prefix(stabilityCount) }

    /// The explanations that serve `purpose` among the planned documents; none for edits, which the stability
    /// suite makes as it goes.
    ///
    /// The spurious suite's verdict asks where the banned words rank, so its explanations (both models') are
    /// focused on the document's banned words (``SamplingStop/settled``). The stability suite continues a
    /// document's seed-0 neighbourhood to a certified top k when it needs one (``seedZero(of:)``).
    func jobs(for purpose: ExplanationPurpose) -> [ExplanationJob] {
        func job(_ planned: PlannedDocument, seed: Int, role: ModelRole) -> ExplanationJob {
            let focus = purpose == .seedStability ? nil : bannedWords[planned.row] ?? []
            return ExplanationJob(
                document: planned,
                seedIndex: seed,
                role: role,
                purpose: purpose,
                modelSHA256: modelSHA256,
                focus: focus
            )
        }
        switch purpose {
        case .primary: return documents.map { job($0, seed: 0, role: .challenger) }
        case .seedStability:
            return stabilityDocuments.flatMap { planned in
                (1..<seeds).map { job(planned, seed: $0, role: .challenger) }
            }
        case .championComparison: return documents.map { job($0, seed: 0, role: .champion) }
        case .perturbation, .attack: return []
        }
    }

    /// The challenger's seed-0 explanation of `planned` without a focus: the same neighbourhood as the spurious
    /// suite's, drawn on until the whole top k is certified; the run's cache answers the samples already scored.
    func seedZero(of planned: PlannedDocument) -> ExplanationJob {
        ExplanationJob(
            document: planned,
            seedIndex: 0,
            role: .challenger,
            purpose: .seedStability,
            modelSHA256: modelSHA256
        )
    }

    /// Up to `count` documents spread evenly over `documents`, in order: the same choice for every model.
    static func spread<Document>(_ documents: [Document], count: Int) -> [Document] {
        guard count < documents.count else { return documents }
        guard count > 0 else { return [] }
        return (0..<count).map { documents[$0 * documents.count / count] }
    }
}
