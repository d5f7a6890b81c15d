/// Settings of the counterfactual suite: banned entries erased from and injected into evaluation documents, and
/// the search for shortcuts that are not on the list (``CounterfactualPhase``).
///
/// The limits apply to how far a 95% interval lies from 0, on either side: to the mean signed shift of
/// P(positive class) and to the net flip rate (texts flipped to the positive class minus those flipped from it).
/// A shift the evaluation set cannot yet show to be large does not fail a model, and neither do edits that move
/// a model both ways (a neural model moves a little at any inserted or removed word): a shortcut moves it one way.
/// Defaults are calibrated with `scripts/calibrate_counterfactual.py` (docs/counterfactual.md).
public struct CounterfactualSettings: Sendable, Equatable {
    /// Evaluation documents each test uses at most (an even spread, the same for every model): the documents a
    /// banned entry is erased from, those it is injected into, and those left one token out. Default 200;
    /// 0 turns the suite off.
    public var documents: Int
    /// Warn when a test's 95% interval of the mean shift of P(positive class) lies further than this from 0.
    /// Default 0.025.
    public var warnShift: Double
    /// Fail likewise above this. Default 0.05.
    public var maxShift: Double
    /// Warn when a test's 95% interval of the net flip rate lies further than this from 0. Default 0.02.
    public var warnFlipRate: Double
    /// Fail likewise above this. Default 0.05.
    public var maxFlipRate: Double
    /// Whole strings injected as artefacts (a header line such as `Posting-Host: news.example.edu`), each its own
    /// injection test and part of the all-entries one; a `/regular expression/` entry is injected only through
    /// the strings holding a token it matches. Default none.
    public var artefacts: [String]
    /// A token is a candidate shortcut when leaving it out moves P(positive class) by at least this much on
    /// average. Default 0.05.
    public var candidateShift: Double
    /// …and its label skew's Benjamini–Hochberg q-value is below this. Default 0.01.
    public var candidateQ: Double
    /// Evaluation documents a token must appear in before its label skew is tested. Default 10.
    public var candidateMinDocuments: Int
    /// Candidate shortcuts reported. Default 10.
    public var reportCandidates: Int
    /// Whether candidate shortcuts make the suite warn. Default `false`: they are reported either way.
    public var candidatesWarn: Bool
    /// Whether a test may stop before all its documents: it looks at a random quarter of them, then half, then
    /// all, and stops at a look once intervals of 99.9% lie clear of every limit (Haybittle–Peto), so more
    /// documents could not plausibly change its verdict. Its report then covers the documents it looked at.
    /// Default `true`; `false` measures every document.
    public var stopEarly: Bool

    /// Creates settings; every parameter defaults to the value documented on its property.
    public init(
        documents: Int = 200,
        warnShift: Double = 0.025,
        maxShift: Double = 0.05,
        warnFlipRate: Double = 0.02,
        maxFlipRate: Double = 0.05,
        artefacts: [String] = [],
        candidateShift: Double = 0.05,
        candidateQ: Double = 0.01,
        candidateMinDocuments: Int = 10,
        reportCandidates: Int = 10,
        candidatesWarn: Bool = false,
        stopEarly: Bool = true
    ) {
        self.documents = documents
        self.warnShift = warnShift
        self.maxShift = maxShift
        self.warnFlipRate = warnFlipRate
        self.maxFlipRate = maxFlipRate
        self.artefacts = artefacts
        self.candidateShift = candidateShift
        self.candidateQ = candidateQ
        self.candidateMinDocuments = candidateMinDocuments
        self.reportCandidates = reportCandidates
        self.candidatesWarn = candidatesWarn
        self.stopEarly = stopEarly
    }
}
