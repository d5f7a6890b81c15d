/// Where a validation reports progress.
typealias ProgressSink = @Sendable (ValidationProgress) -> Void

/// What a phase of a validation cost: its wall time and its model calls.
struct PhaseCost: Sendable, Equatable {
    /// Wall-clock seconds.
    var seconds = 0.0
    /// Texts the phase had scored, and those the run's cache answered.
    var calls = ModelCalls()
    /// How the phase's explanations settled their sample sizes; `nil` for a phase that explained nothing.
    var sampling: SamplingSummary?

    static func + (lhs: Self, rhs: Self) -> Self {
        let sampling =
            switch (lhs.sampling, rhs.sampling) {
            case (let left?, let right?): left + right
            case (let left, let right): left ?? right
            }
        return Self(seconds: lhs.seconds + rhs.seconds, calls: lhs.calls + rhs.calls, sampling: sampling)
    }
}

/// Measures one phase from its creation: the wall time, and the model calls of the classifiers it meters.
struct PhaseClock: Sendable {
    /// The meter of the phase's classifiers (``PredictionCache/classifier(_:role:meter:)``).
    let meter = ScoringMeter()
    private let started = ContinuousClock.now

    /// The cost so far.
    var cost: PhaseCost {
        PhaseCost(seconds: Self.seconds(since: started), calls: meter.calls, sampling: meter.sampling)
    }

    /// Seconds from `start` to now.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// A suite's report that says what the suite cost.
protocol CostedReport {
    /// Wall-clock seconds of the suite's phases.
    var seconds: Double? { get set }
    /// Texts its phases had the models score.
    var modelCalls: Int? { get set }
    /// Texts its phases found in the run's prediction cache.
    var cachedCalls: Int? { get set }
    /// How its explanations settled their sample sizes.
    var sampling: SamplingSummary? { get set }
}

extension CostedReport {
    /// Records `cost` as the suite's.
    mutating func record(_ cost: PhaseCost) {
        seconds = cost.seconds
        modelCalls = cost.calls.sent
        cachedCalls = cost.calls.cached
        sampling = cost.sampling
    }
}
