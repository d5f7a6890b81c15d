/// Where an injected string goes in a document.
enum InjectionPosition: CaseIterable {
    /// Before the first character, with a space after it.
    case start
    /// After the last character, with a space before it.
    case end
    /// Before a word chosen by a generator seeded from the document id (the same for every model).
    case random
}

/// The edited texts of one counterfactual test: what is done, and to which documents.
struct CounterfactualTestSpec: Sendable, Equatable {
    /// `erasure` or `injection`.
    var kind: String
    /// The entry as written, ``CounterfactualPlan/allEntries`` or `artefact`.
    var entry: String
    /// What is injected, for an injection.
    var inserted: String?
}

/// One edited text: its test, the evaluation row it was made from, the text, and the text it is compared with
/// when that is not the document itself.
struct CounterfactualProbe: Sendable, Equatable {
    var test: Int
    var row: Int
    var text: String
    /// For an injected string that holds more than banned tokens (a header line): the same injection with the
    /// banned tokens erased from the string, so the shift is the banned tokens' and not the other words'.
    var control: String?
}

/// The counterfactual suite's edited texts (pure): for each banned entry the documents holding it with it
/// erased (every occurrence, as LIME's bag-of-words masking removes a word) and the documents lacking it with it
/// injected at three positions; the same for all entries together; and each artefact string injected.
struct CounterfactualPlan: Sendable {
    /// The entry name of the tests of every banned entry together.
    static let allEntries = "all banned entries"

    var tests: [CounterfactualTestSpec] = []
    var probes: [CounterfactualProbe] = []
    /// Regular-expression entries no artefact string carries.
    var erasureOnly: [String] = []
    /// Entries no evaluation document holds.
    var absent: [String] = []

    /// The plan for `documents` (their LIME words in `words`, one list per document).
    init(
        documents: [LabeledDocument],
        words: [[String]],
        banned: BannedTokenList,
        settings: CounterfactualSettings,
        lime: LimeSettings
    ) {
        let limit = settings.documents
        guard limit > 0 else { return }
        let entries = banned.entries.indices
        let matching = Self.matchingEntries(words, banned: banned)
        let holds = words.map { list in
            entries.map { entry in list.contains { matching[$0.lowercased()]?[entry] ?? false } }
        }
        let clean = documents.indices.filter { !holds[$0].contains(true) }
        let artefactWords = settings.artefacts.map { IndexedText($0).words }
        for entry in entries {
            let name = banned.entries[entry]
            let holding = documents.indices.filter { holds[$0][entry] }
            if holding.isEmpty { absent.append(name) }
            erase(holding, limit: limit, as: name, documents: documents, lime: lime) {
                banned.entry(entry, matches: $0)
            }
            let carriers = settings.artefacts.indices.filter {
                artefactWords[$0].contains { banned.entry(entry, matches: $0) }
            }
            let inserted =
                banned.word(ofEntry: entry).map { _ in name }
                ?? (carriers.isEmpty ? nil : carriers.map { settings.artefacts[$0] }.joined(separator: " "))
            guard let inserted else {
                erasureOnly.append(name)
                continue
            }
            let lacking = documents.indices.filter { !holds[$0][entry] }
            inject(inserted, into: lacking, limit: limit, as: name, documents: documents, lime: lime, banned: banned)
        }
        let holdingAny = documents.indices.filter { holds[$0].contains(true) }
        if entries.count > 1 {
            erase(
                holdingAny,
                limit: limit,
                as: Self.allEntries,
                documents: documents,
                lime: lime,
                where: banned.matches
            )
        }
        for artefact in settings.artefacts {
            inject(
                artefact,
                into: clean,
                limit: limit,
                as: "artefact",
                documents: documents,
                lime: lime,
                banned: banned
            )
        }
        let words = entries.filter { banned.word(ofEntry: $0) != nil }.map { banned.entries[$0] }
        let together =
            settings.artefacts
            + words.filter { word in
                !artefactWords.contains { list in list.contains { $0.lowercased() == word.lowercased() } }
            }
        if entries.count + settings.artefacts.count > 1, !together.isEmpty {
            let inserted = together.joined(separator: " ")
            inject(
                inserted,
                into: clean,
                limit: limit,
                as: Self.allEntries,
                documents: documents,
                lime: lime,
                banned: banned
            )
        }
    }

    private mutating func erase(
        _ rows: [Int],
        limit: Int,
        as entry: String,
        documents: [LabeledDocument],
        lime: LimeSettings,
        where matches: (String) -> Bool
    ) {
        guard !rows.isEmpty else { return }
        let test = tests.count
        tests.append(CounterfactualTestSpec(kind: "erasure", entry: entry))
        for row in Self.shuffled(ExplanationPlan.spread(rows, count: limit)) {
            if let text = Self.erasing(documents[row].text, lime: lime, where: matches) {
                probes.append(CounterfactualProbe(test: test, row: row, text: text))
            }
        }
    }

    private mutating func inject(
        _ inserted: String,
        into rows: [Int],
        limit: Int,
        as entry: String,
        documents: [LabeledDocument],
        lime: LimeSettings,
        banned: BannedTokenList
    ) {
        guard !rows.isEmpty else { return }
        let test = tests.count
        tests.append(CounterfactualTestSpec(kind: "injection", entry: entry, inserted: inserted))
        let remainder = Self.erasing(inserted, lime: lime, where: banned.matches)
        let control = remainder.flatMap { IndexedText($0).words.isEmpty ? nil : $0 }
        for row in Self.shuffled(ExplanationPlan.spread(rows, count: limit)) {
            var generator = SeededGenerator(
                seed: ExplanationSeed.derive(modelSHA256: "counterfactual", documentID: documents[row].id, seedIndex: 0)
            )
            for position in InjectionPosition.allCases {
                var same = generator
                let text = Self.injecting(inserted, into: documents[row].text, at: position, using: &generator)
                let controlText = control.map {
                    Self.injecting($0, into: documents[row].text, at: position, using: &same)
                }
                probes.append(CounterfactualProbe(test: test, row: row, text: text, control: controlText))
            }
        }
    }

    /// `rows` in an order of their own, the same for every model (a seeded shuffle), so that the documents a look
    /// takes first (``looks``) are a random sample of them: a fixed stride could meet a period of the set, such
    /// as labels that alternate.
    static func shuffled(_ rows: [Int]) -> [Int] {
        var order = rows
        var generator = SeededGenerator(
            seed: ExplanationSeed.derive(modelSHA256: "counterfactual", documentID: "looks", seedIndex: 0)
        )
        for index in order.indices.dropLast().reversed() {
            order.swapAt(index, generator.uniform(below: index + 1))
        }
        return order
    }

    /// For each distinct lowercased word of `words`, whether each entry matches it: a regular expression is
    /// tried once per word, not once per occurrence.
    static func matchingEntries(_ words: [[String]], banned: BannedTokenList) -> [String: [Bool]] {
        var matching: [String: [Bool]] = [:]
        for word in words.joined() where matching[word.lowercased()] == nil {
            let token = word.lowercased()
            matching[token] = banned.entries.indices.map { banned.entry($0, matches: token) }
        }
        return matching
    }

    /// `text` without the words `matches` accepts, every occurrence, cut as LIME's settings cut it; `nil` when
    /// no word matches.
    static func erasing(_ text: String, lime: LimeSettings, where matches: (String) -> Bool) -> String? {
        guard let indexed = try? lime.indexedText(text) else { return nil }
        let keep = indexed.words.map { !matches($0) }
        guard keep.contains(false) else { return nil }
        return indexed.removing(keep: keep)
    }

    /// `text` with `inserted` and a space put at `position`.
    static func injecting(
        _ inserted: String,
        into text: String,
        at position: InjectionPosition,
        using generator: inout SeededGenerator
    ) -> String {
        switch position {
        case .start: return inserted + " " + text
        case .end: return text + " " + inserted
        case .random:
            let indexed = IndexedText(text)
            let starts = indexed.featureOfToken.indices.filter { indexed.featureOfToken[$0] >= 0 }
            guard !starts.isEmpty else { return inserted + " " + text }
            let at = starts[generator.uniform(below: starts.count)]
            return indexed.tokens[..<at].joined() + inserted + " " + indexed.tokens[at...].joined()
        }
    }
}

extension CounterfactualPlan {
    /// The shares of each test's documents the suite looks at in turn: a quarter, a half, all
    /// (``CounterfactualCheck/isSettled(_:settings:)`` says when a test may stop at a look;
    /// ``CounterfactualSettings/stopEarly`` `false` looks once, at all).
    static let looks = [4, 2, 1]

    /// The number of documents each test edits.
    var documentCounts: [Int] {
        var rows = [Set<Int>](repeating: [], count: tests.count)
        for probe in probes { rows[probe.test].insert(probe.row) }
        return rows.map(\.count)
    }

    /// The indices of the probes of each test's first `counts[test]` documents, in plan order.
    func probes(ofFirstDocuments counts: [Int]) -> [Int] {
        var seen = [Set<Int>](repeating: [], count: tests.count)
        return probes.indices.filter { index in
            let probe = probes[index]
            if seen[probe.test].contains(probe.row) { return true }
            guard seen[probe.test].count < counts[probe.test] else { return false }
            seen[probe.test].insert(probe.row)
            return true
        }
    }

    /// The same tests with only the probes `indices`, in that order.
    func selecting(_ indices: [Int]) -> CounterfactualPlan {
        var plan = self
        plan.probes = indices.map { probes[$0] }
        return plan
    }
}
