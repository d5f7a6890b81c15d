import Synchronization

/// Which model of a validation a text is scored by: the key of the run's prediction cache besides the text.
enum ModelRole: String, Hashable, Sendable {
    /// The model being judged.
    case challenger
    /// The folder's current champion.
    case champion
}

/// Texts a phase asked a model to score: those sent to it, and those answered from the run's cache.
struct ModelCalls: Sendable, Equatable {
    /// Texts (or, for a ``MaskedTextScoring`` model, perturbations) the model scored.
    var sent = 0
    /// Texts answered from the cache: scored earlier in the run, or repeated within one request.
    var cached = 0

    static func + (lhs: Self, rhs: Self) -> Self {
        Self(sent: lhs.sent + rhs.sent, cached: lhs.cached + rhs.cached)
    }
}

/// Counts one phase's model calls, and how its explanations settled their sample sizes; shared by the phase's
/// parallel explanations.
final class ScoringMeter: Sendable {
    private let counts = Mutex(ModelCalls())
    private let sampled = Mutex<SamplingSummary?>(nil)

    /// The calls counted so far.
    var calls: ModelCalls { counts.withLock { $0 } }

    /// The explanations counted so far, `nil` before the first.
    var sampling: SamplingSummary? { sampled.withLock { $0 } }

    func add(sent: Int, cached: Int) {
        counts.withLock {
            $0.sent += sent
            $0.cached += cached
        }
    }

    /// Counts the explanations of one neighbourhood (several classes explained from it count once).
    func add(_ explanations: [Explanation], ceiling: Int) {
        guard let first = explanations.first else { return }
        sampled.withLock {
            var summary = $0 ?? SamplingSummary(ceiling: ceiling)
            summary.add(first)
            $0 = summary
        }
    }
}

/// The probabilities one validation has obtained, by model and text, so that a text is scored once per run:
/// the evaluation set, every explanation's perturbed texts (short documents repeat many), the seeds, the
/// champion's explanations and the stability suite's edits all ask it first.
///
/// It serves models scored from texts. A ``MaskedTextScoring`` model scores LIME's perturbations without their
/// texts being built; ``CachedClassifier`` hands its scorer through untouched but counted.
///
/// Entries take about their text's size plus a row of probabilities; past ``budget`` bytes the cache starts
/// again empty, which costs model calls, never correctness.
final class PredictionCache: Sendable {
    private struct Key: Hashable {
        var role: ModelRole
        var text: String
    }

    private struct State {
        var rows: [Key: [Double]] = [:]
        var bytes = 0
    }

    /// The bytes of texts and probabilities kept before the cache is emptied.
    let budget: Int
    private let state = Mutex(State())

    /// An empty cache keeping up to `budget` bytes (256 MiB by default).
    init(budget: Int = 256 << 20) {
        self.budget = budget
    }

    /// `model` scoring through this cache as `role`, its calls counted by `meter`.
    func classifier(_ model: any TextClassifier, role: ModelRole, meter: ScoringMeter) -> CachedClassifier {
        CachedClassifier(model: model, role: role, cache: self, meter: meter)
    }

    /// `model`'s probabilities for `texts`: cached rows, and one call of the model on the distinct others.
    ///
    /// Output that cannot be split into rows (a wrong row count, or rows of different lengths) is not cached:
    /// the model is then asked for `texts` exactly as given, so the caller sees and reports what it returned.
    fileprivate func probabilities(
        _ texts: [String],
        role: ModelRole,
        model: any TextClassifier,
        meter: ScoringMeter
    ) throws -> ProbabilityMatrix {
        var found: [[Double]?] = []
        state.withLock { state in found = texts.map { state.rows[Key(role: role, text: $0)] } }
        var misses: [String] = []
        var missIndex: [String: Int] = [:]
        for (text, row) in zip(texts, found) where row == nil && missIndex[text] == nil {
            missIndex[text] = misses.count
            misses.append(text)
        }
        meter.add(sent: misses.count, cached: texts.count - misses.count)
        if misses.isEmpty { return try Self.matrix(found.map { $0! }) ?? passThrough(texts, model, meter) }
        let scored = try model.predictProbabilities(misses)
        guard scored.rows == misses.count else {
            return misses.count == texts.count ? scored : try passThrough(texts, model, meter)
        }
        store(scored, for: misses, role: role)
        // As many distinct texts as texts, none cached: `misses` is `texts`.
        if misses.count == texts.count { return scored }
        let columns = scored.columns
        let rows = zip(texts, found).map { text, row in
            row ?? missIndex[text].map { Array(scored.values[($0 * columns)..<(($0 + 1) * columns)]) }!
        }
        return try Self.matrix(rows) ?? passThrough(texts, model, meter)
    }

    /// The model's own answer for `texts`, uncached.
    private func passThrough(
        _ texts: [String],
        _ model: any TextClassifier,
        _ meter: ScoringMeter
    ) throws -> ProbabilityMatrix {
        meter.add(sent: texts.count, cached: 0)
        return try model.predictProbabilities(texts)
    }

    private func store(_ scored: ProbabilityMatrix, for texts: [String], role: ModelRole) {
        let columns = scored.columns
        state.withLock { state in
            for (index, text) in texts.enumerated() {
                let size = text.utf8.count + 8 * columns + 96
                if state.bytes + size > budget { state = State() }
                let row = Array(scored.values[(index * columns)..<((index + 1) * columns)])
                if state.rows.updateValue(row, forKey: Key(role: role, text: text)) == nil { state.bytes += size }
            }
        }
    }

    /// The rows as a matrix, or `nil` when they differ in length.
    private static func matrix(_ rows: [[Double]]) -> ProbabilityMatrix? {
        let columns = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == columns }) else { return nil }
        return ProbabilityMatrix(rows: rows.count, columns: columns, values: rows.flatMap { $0 })
    }
}

/// A model as one phase of a validation sees it: texts scored through the run's ``PredictionCache``, and
/// LIME's perturbations scored by the model's own ``MaskedTextScorer`` when it has one, both counted.
struct CachedClassifier: MaskedTextScoring {
    let model: any TextClassifier
    let role: ModelRole
    let cache: PredictionCache
    let meter: ScoringMeter

    var classes: [String] { model.classes }

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        try cache.probabilities(texts, role: role, model: model, meter: meter)
    }

    func maskedScorer(for text: IndexedText) -> (any MaskedTextScorer)? {
        guard let masked = model as? any MaskedTextScoring, let scorer = masked.maskedScorer(for: text) else {
            return nil
        }
        return CountingScorer(scorer, meter: meter)
    }
}

/// A model's masked scorer, counting the perturbations it scores; the count reaches the meter when the
/// explanation lets go of the scorer.
///
/// The scorer and the count live behind pointers so that a sample costs one increment more than the model's own
/// scorer: no exclusivity check on a class property in the bag-of-words fast path.
private final class CountingScorer: MaskedTextScorer {
    private let scorer: UnsafeMutablePointer<any MaskedTextScorer>
    private let scored: UnsafeMutablePointer<Int>
    private let meter: ScoringMeter
    let classCount: Int

    init(_ scorer: any MaskedTextScorer, meter: ScoringMeter) {
        self.scorer = .allocate(capacity: 1)
        self.scorer.initialize(to: scorer)
        scored = .allocate(capacity: 1)
        scored.initialize(to: 0)
        self.meter = meter
        classCount = scorer.classCount
    }

    deinit {
        meter.add(sent: scored.pointee, cached: 0)
        scorer.deinitialize(count: 1)
        scorer.deallocate()
        scored.deallocate()
    }

    func score(kept: KeptFeatures, into probabilities: UnsafeMutableBufferPointer<Double>) {
        scored.pointee += 1
        scorer.pointee.score(kept: kept, into: probabilities)
    }
}
