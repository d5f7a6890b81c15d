/// Settings of the spurious-feature suite.
public struct SpuriousSettings: Sendable, Equatable {
    /// Documents explained, an even spread over the evaluation set (the same for every model). Default 40.
    public var documents: Int
    /// Features of an explanation examined. Default 10.
    public var topK: Int
    /// A top-k feature counts only if its absolute weight is at least this fraction of the explanation's
    /// largest: LIME gives words the model ignores a weight near 0, and a short text puts every word in the
    /// top 10. Default 0.05.
    public var minWeightFraction: Double
    /// Warn when a banned token is a top-k feature of more than this share of explanations. Default 0.02.
    public var warnHitRate: Double
    /// Fail when a banned token is a top-k feature of more than this share of explanations. Default 0.10.
    public var maxHitRate: Double
    /// Fail when a banned token carries more than this share of all top-k attribution mass. Default 0.05.
    public var maxMassShare: Double
    /// How sure the suite must be before it fails a model on a hit rate: the one-sided Wilson lower bound of the
    /// rate at this confidence must exceed ``maxHitRate``. A rate above the limit that is not yet sure (one hit in
    /// six explanations) is a warning asking for more documents. Default 0.95.
    public var confidence: Double
    /// Warn when a banned token's Theil's `U(predicted class | token)` over the evaluation set is above this and
    /// above its `U(label | token)`. Default 0.1.
    public var warnTokenAssociation: Double
    /// Fail likewise above this. Default 0.2: on the demo the header tokens reach 0.377 with the model trained
    /// on them (their `U(label | token)` is 0.335) and 0.128 with the clean model; ordinary words stay below 0.04.
    public var maxTokenAssociation: Double
    /// Documents a token must appear in before its association is measured. Default 20.
    public var minTokenDocuments: Int
    /// Tokens reported in the global-importance and association lists. Default 20.
    public var reportTokens: Int
    /// With a champion: the challenger's top-N tokens by global importance examined for new reasons (the champion
    /// explains the same documents). Default 15; 0 turns the champion's explanations off.
    public var newReasonTop: Int
    /// A token of the challenger's top N is new when it is outside the champion's top N and its share of
    /// importance is at least this many times the champion's. Default 3.
    public var newReasonRatio: Double
    /// Whether new reasons make the suite warn. Default `true`.
    public var newReasonsWarn: Bool
    /// Explanations SP-LIME's pick reports. Default 5; 0 turns it off.
    public var pickExplanations: Int

    /// Creates settings; every parameter defaults to the value documented on its property.
    public init(
        documents: Int = 40,
        topK: Int = 10,
        minWeightFraction: Double = 0.05,
        warnHitRate: Double = 0.02,
        maxHitRate: Double = 0.10,
        maxMassShare: Double = 0.05,
        confidence: Double = 0.95,
        warnTokenAssociation: Double = 0.1,
        maxTokenAssociation: Double = 0.2,
        minTokenDocuments: Int = 20,
        reportTokens: Int = 20,
        newReasonTop: Int = 15,
        newReasonRatio: Double = 3,
        newReasonsWarn: Bool = true,
        pickExplanations: Int = 5
    ) {
        self.confidence = confidence
        self.warnTokenAssociation = warnTokenAssociation
        self.maxTokenAssociation = maxTokenAssociation
        self.minTokenDocuments = minTokenDocuments
        self.reportTokens = reportTokens
        self.newReasonTop = newReasonTop
        self.newReasonRatio = newReasonRatio
        self.newReasonsWarn = newReasonsWarn
        self.pickExplanations = pickExplanations
        self.documents = documents
        self.topK = topK
        self.minWeightFraction = minWeightFraction
        self.warnHitRate = warnHitRate
        self.maxHitRate = maxHitRate
        self.maxMassShare = maxMassShare
    }
}

/// Settings of the interpretation-stability suite.
public struct StabilitySettings: Sendable, Equatable {
    /// Documents re-explained under other seeds and perturbed (the first of the spurious suite's). Default 8.
    public var documents: Int
    /// Seeds per document, including the spurious suite's. Default 3.
    public var seeds: Int
    /// Warn below this mean pairwise top-k Jaccard index across seeds. Default 0.7.
    public var warnJaccard: Double
    /// Fail below this mean pairwise top-k Jaccard index across seeds. Default 0.5.
    public var minJaccard: Double
    /// Random label-preserving edits explained per document. Default 3; 0 turns them off.
    public var perturbations: Int
    /// Warn when edits lower the mean top-k Jaccard more than this below the seed-to-seed noise floor.
    /// Default 0.25.
    public var warnExcess: Double
    /// Fail when edits lower it more than this below the noise floor. Default 0.45.
    public var maxExcess: Double
    /// Documents the greedy search attacks. Default 2; 0 turns it off.
    public var attackDocuments: Int
    /// Edits the search may stack on one document. Default 2.
    public var attackSteps: Int
    /// Candidate edits explained per step. Default 4.
    public var attackCandidates: Int
    /// The samples each candidate of the search is explained with at most: enough to rank candidates by how far
    /// they move the explanation. The strongest edit sequence found is explained again with the full
    /// ``LimeSettings/samples``, and only that explanation is measured. 0 (or a value not below the full
    /// ceiling) explains every candidate in full. Default 1000.
    public var attackSamples: Int
    /// The confidence at which the suite stops re-explaining documents early: once at least
    /// ``minimumDocuments`` are measured and the Student-t intervals of the mean seed Jaccard (over documents) and
    /// of the mean excess (over edits) each lie on one side of both of their limits, further documents could not
    /// plausibly change the verdict. `nil` or 0 re-explains all ``documents``. In `[0, 1)`. Default 0.95.
    public var settleConfidence: Double?
    /// The documents measured before the suite may stop early (``settleConfidence``); at least 2. Default 4.
    public var minimumDocuments: Int

    /// Creates settings; every parameter defaults to the value documented on its property.
    public init(
        documents: Int = 8,
        seeds: Int = 3,
        warnJaccard: Double = 0.7,
        minJaccard: Double = 0.5,
        perturbations: Int = 3,
        warnExcess: Double = 0.25,
        maxExcess: Double = 0.45,
        attackDocuments: Int = 2,
        attackSteps: Int = 2,
        attackCandidates: Int = 4,
        attackSamples: Int = 1000,
        settleConfidence: Double? = 0.95,
        minimumDocuments: Int = 4
    ) {
        self.settleConfidence = settleConfidence
        self.minimumDocuments = minimumDocuments
        self.documents = documents
        self.seeds = seeds
        self.warnJaccard = warnJaccard
        self.minJaccard = minJaccard
        self.perturbations = perturbations
        self.warnExcess = warnExcess
        self.maxExcess = maxExcess
        self.attackDocuments = attackDocuments
        self.attackSteps = attackSteps
        self.attackCandidates = attackCandidates
        self.attackSamples = attackSamples
    }
}

/// Settings of the AUC suite.
public struct AUCSettings: Sendable, Equatable {
    /// How a challenger is compared with the champion.
    public enum Comparison: String, Sendable, Equatable, Codable, CaseIterable {
        /// Fail when the challenger is significantly worse (one-sided paired DeLong test).
        case worse
        /// Fail unless the challenger is shown to be worse by less than ``AUCSettings/margin``.
        case nonInferiority = "non-inferiority"
    }

    /// A model with a lower AUC fails. Default 0.70.
    public var floor: Double
    /// Significance level of the one-sided paired DeLong test. Default 0.05.
    public var alpha: Double
    /// The comparison with the champion. Default ``Comparison/worse``.
    public var comparison: Comparison
    /// The non-inferiority margin in AUC. Default 0.01.
    public var margin: Double
    /// The power at which the smallest detectable difference is reported. Default 0.8.
    public var power: Double
    /// The difference the report says how many documents would be needed to detect. Default 0.01.
    public var targetDelta: Double

    /// Creates settings; every parameter defaults to the value documented on its property.
    public init(
        floor: Double = 0.70,
        alpha: Double = 0.05,
        comparison: Comparison = .worse,
        margin: Double = 0.01,
        power: Double = 0.8,
        targetDelta: Double = 0.01
    ) {
        self.floor = floor
        self.alpha = alpha
        self.comparison = comparison
        self.margin = margin
        self.power = power
        self.targetDelta = targetDelta
    }
}

/// Which classes the spurious-feature suite explains for each document (the reference's `labels` and
/// `top_labels`). The stability suite always explains the positive class.
public enum ExplainedLabels: Sendable, Equatable {
    /// The evaluation set's positive class only.
    case positive
    /// The positive class and these classes, by name, from one neighbourhood per document.
    case classes([String])
    /// The document's `n` most probable classes (by the explained model), most probable first.
    case top(Int)
}

/// Everything that decides a verdict, besides the data.
public struct ValidationSettings: Sendable, Equatable {
    /// LIME.
    public var lime: LimeSettings
    /// The classes the spurious-feature suite explains. Default ``ExplainedLabels/positive``.
    public var labels: ExplainedLabels
    /// The spurious-feature suite.
    public var spurious: SpuriousSettings
    /// The stability suite.
    public var stability: StabilitySettings
    /// The AUC suite.
    public var auc: AUCSettings
    /// The counterfactual suite.
    public var counterfactual: CounterfactualSettings
    /// The longest a whole validation run may take, in seconds, loading the models included; a run past it
    /// ends in an `error` verdict naming the limit, so that one huge document or a slow model cannot stall a
    /// folder. Default 3600.
    public var runTimeoutSeconds: Double
    /// The longest evaluation text used, in characters: a longer one is cut to it (and the verdict says how many
    /// were), so that one huge text cannot make the run's explanations run out of time or memory. Default
    /// 100,000.
    public var maxTextCharacters: Int = 100_000

    /// Creates settings; each suite's defaults unless given.
    public init(
        lime: LimeSettings = LimeSettings(),
        labels: ExplainedLabels = .positive,
        spurious: SpuriousSettings = SpuriousSettings(),
        stability: StabilitySettings = StabilitySettings(),
        auc: AUCSettings = AUCSettings(),
        runTimeoutSeconds: Double = 3600,
        counterfactual: CounterfactualSettings = CounterfactualSettings()
    ) {
        self.counterfactual = counterfactual
        self.lime = lime
        self.labels = labels
        self.spurious = spurious
        self.stability = stability
        self.auc = auc
        self.runTimeoutSeconds = runTimeoutSeconds
    }
}

/// How LIME chooses the features of an explanation (the reference package's `feature_selection`).
public enum FeatureSelection: String, Sendable, Equatable, Codable, CaseIterable {
    /// `forward_selection` when at most 6 features are asked for, otherwise `highest_weights`.
    case auto
    /// Greedily add the feature that most improves the weighted R² of an unpenalised fit.
    case forwardSelection = "forward_selection"
    /// Fit a ridge (alpha 0.01) on all features and keep the largest absolute coefficients.
    case highestWeights = "highest_weights"
    /// Walk the LARS lasso path of the weighted-centred data (``LassoPath``) and keep the nonzero features of its
    /// least regularised point with at most the wanted number of them.
    case lassoPath = "lasso_path"
    /// Keep every feature.
    case none
}

/// LIME settings; the defaults are the reference `lime` package's for text.
public struct LimeSettings: Sendable, Equatable {
    /// Perturbed samples per explanation, the original text included; at least 2. Default 5000.
    public var samples: Int
    /// Width of the exponential kernel over cosine distance × 100; positive. Default 25.
    public var kernelWidth: Double
    /// Features kept in an explanation; at least 1. Default 10.
    public var features: Int
    /// Feature selection. Default ``FeatureSelection/auto``.
    public var featureSelection: FeatureSelection
    /// Texts per classifier call; `nil` scores all samples in one call, as the reference does. Default `nil`.
    public var batchSize: Int?
    /// Bag of words (the reference's `bow`): `true` makes each distinct word one feature whose removal deletes
    /// every occurrence; `false` makes each occurrence a feature, replaced by ``maskString`` when removed.
    /// Default `true`.
    public var bow: Bool
    /// The regular expression separating words (the reference's `split_expression`). Default `\W+`, which is
    /// evaluated with Python's `\w` exactly; others are evaluated by ICU. Ignored when ``charLevel`` is set.
    public var splitExpression: String
    /// Every character is a token and a feature (the reference's `char_level`). Default `false`.
    public var charLevel: Bool
    /// What replaces a removed word when ``bow`` is false (the reference's `mask_string`); `nil` means
    /// `UNKWORDZ`, or U+0000 with ``charLevel``. Default `nil`.
    public var maskString: String?

    // Certified sample sizes (TopKCertificate.swift).

    /// The confidence at which an explanation's top ``features`` must be separated from the features below them
    /// (``TopKCertificate``) before sampling stops; `nil` or 0 turns certification off, so every explanation
    /// draws ``samples``. In `(0, 1)` otherwise. Default 0.95: on WordNet glosses it keeps seed-to-seed top-10 Jaccard and the distance to the reference lime at 5000 samples where fixed 5000 samples have them, with 46% fewer model calls.
    public var certifyConfidence: Double?
    /// The samples a certified explanation starts with; it adds half as many again each round, up to
    /// ``samples``, until certified.
    /// At least 2. Default 250.
    public var certifyStartSamples: Int
    /// The share of the largest absolute weight below which a weight is negligible, so that two negligible
    /// features need not be separated (``TopKCertificate``); 0 requires every boundary pair separated. In
    /// `[0, 1)`. Default 0: on WordNet glosses any larger share made the top 10 less stable from seed to seed
    /// than fixed 5000-sample LIME (0.05: top-10 Jaccard 0.956 against 0.964, 2226 instead of 2714 samples).
    public var certifyNegligible: Double
    /// The Jaccard margin `δ` of the saturation rule (``TopKSaturation``): sampling also stops when the top
    /// ``features``' expected seed-to-seed Jaccard at the current sample size is within `δ` of what the ceiling
    /// ``samples`` would give, so more samples would not make them noticeably more stable. `nil` turns the rule
    /// off (only separation stops early). In `[0, 1)`; used only with ``certifyConfidence``. Default `nil`: on
    /// WordNet glosses every margin lost more seed-to-seed stability than fixed 5000-sample LIME's noise for a
    /// sixth of the calls (δ 0.005: Jaccard 0.951 against 0.960, about 2290 calls against separation's 2680).
    public var certifySaturation: Double?

    /// Creates settings.
    public init(
        samples: Int = 5000,
        kernelWidth: Double = 25,
        features: Int = 10,
        featureSelection: FeatureSelection = .auto,
        batchSize: Int? = nil,
        bow: Bool = true,
        splitExpression: String = IndexedText.defaultSplitExpression,
        charLevel: Bool = false,
        maskString: String? = nil,
        certifyConfidence: Double? = 0.95,
        certifyStartSamples: Int = 250,
        certifyNegligible: Double = 0,
        certifySaturation: Double? = nil
    ) {
        self.certifySaturation = certifySaturation
        self.certifyConfidence = certifyConfidence
        self.certifyStartSamples = certifyStartSamples
        self.certifyNegligible = certifyNegligible
        self.samples = samples
        self.kernelWidth = kernelWidth
        self.features = features
        self.featureSelection = featureSelection
        self.batchSize = batchSize
        self.bow = bow
        self.splitExpression = splitExpression
        self.charLevel = charLevel
        self.maskString = maskString
    }

    /// `text` cut into LIME's features as these settings ask: characters with ``charLevel``, otherwise words
    /// between matches of ``splitExpression``.
    ///
    /// - Throws: ``IndexedTextError`` when the split expression does not compile.
    public func indexedText(_ text: String) throws(IndexedTextError) -> IndexedText {
        if charLevel { return IndexedText(characters: text, bow: bow, maskString: maskString) }
        return try IndexedText(text, splitExpression: splitExpression, bow: bow, maskString: maskString)
    }

    /// How these settings cut a text, for messages: `characters`, `words (\W+)` or `words between matches of …`.
    var featureDescription: String {
        if charLevel { return "characters" }
        if splitExpression == IndexedText.defaultSplitExpression { return "words, runs of letters, digits and '_'" }
        return "words between matches of \"\(splitExpression)\""
    }

    /// What is wrong with these settings, or `nil` when they can be used.
    var problem: String? {
        if samples < 2 { return "LIME needs at least 2 samples (the text and one perturbation), not \(samples)" }
        if !(kernelWidth > 0) || !kernelWidth.isFinite {
            return "the LIME kernel width must be a positive number, not \(kernelWidth)"
        }
        if features < 1 { return "LIME needs at least 1 feature per explanation, not \(features)" }
        if let batchSize, batchSize < 1 { return "the LIME batch size must be at least 1, not \(batchSize)" }
        if let problem = certificationProblem { return problem }
        if !charLevel, splitExpression != IndexedText.defaultSplitExpression {
            do {
                _ = try IndexedText.compile(splitExpression)
            } catch {
                return error.description
            }
        }
        return nil
    }
}

extension LimeSettings {
    /// Whether explanations add samples until their top features are certified.
    var certifies: Bool { (certifyConfidence ?? 0) != 0 }

    /// What is wrong with the certification settings, or `nil`.
    var certificationProblem: String? {
        if let confidence = certifyConfidence, confidence != 0, !(confidence > 0 && confidence < 1) {
            return "the LIME certification confidence must be between 0 and 1 (0 turns it off), not \(confidence)"
        }
        if certifyStartSamples < 2 {
            return "certified LIME needs at least 2 starting samples, not \(certifyStartSamples)"
        }
        if !(certifyNegligible >= 0 && certifyNegligible < 1) {
            return "the share of the largest weight below which a weight is negligible must be in [0, 1), "
                + "not \(certifyNegligible)"
        }
        if let delta = certifySaturation, !(delta >= 0 && delta < 1) {
            return "the saturation margin of certified LIME (a Jaccard difference) must be in [0, 1), not \(delta)"
        }
        return nil
    }
}
