import HPOCore

/// Decides, report by report, whether a running trial should stop early (`pruner:` in the study
/// file; the rules are in `ASHARule` and `MedianStoppingRule`, the whole story in
/// `docs/pruning.md`). Pure: reports in, decisions out; no clock, no I/O.
///
/// It takes care of what the rules need not know:
/// - the judged metric (the objective's by default) is read from each report's metrics and
///   turned into a value to minimise (negated for a maximised objective); a non-finite value is
///   the worst possible; a report without the metric (or without the ASHA resource metric) is
///   not judged;
/// - **attempts**: a trial re-queued after its worker was lost starts again from step 1. Its
///   earlier attempts' reports keep counting for it and for the others, and the new attempt is
///   not judged again on ground they covered: its reports up to the furthest step (resource)
///   already judged are neither recorded nor judged (the earlier values stand). Past that point
///   it is judged like any trial, on its own best value (median). A late report of an older
///   attempt is ignored;
/// - reports of one attempt that arrive out of order (an older step after a newer one) are
///   ignored the same way.
package struct Pruner: Sendable {
    package let config: PrunerConfig
    /// The reported metric judged.
    package let metric: String
    private let sign: Double
    /// Exactly one of the two rules is set. (Optionals rather than an enum with payloads, so that
    /// a rule is mutated in place, without copying its tables on every report.)
    private var asha: ASHARule?
    private var median: MedianStoppingRule?
    private var progress: [TrialID: Progress] = [:]

    private struct Progress: Sendable {
        var attempt: Attempt
        /// The furthest step (median) or resource (ASHA) judged, over all attempts.
        var furthest: Double
        /// The best value of the current attempt (to minimise).
        var best: Double
    }

    package init(config: PrunerConfig, objective: Objective) {
        self.config = config
        metric = config.metric(for: objective)
        sign = objective.direction == .minimize ? 1 : -1
        let judged = JudgedMetric(name: metric, sign: sign)
        switch config.rule {
        case .asha(let settings): asha = ASHARule(settings: settings, metric: judged)
        case .median(let settings): median = MedianStoppingRule(settings: settings, metric: judged)
        }
    }

    /// One intermediate report of a trial, as it arrived.
    package mutating func report(trial: TrialID, attempt: Attempt, step: Int, metrics: [String: Double])
        -> PruneDecision
    {
        guard let value = metrics[metric] else { return .continue }
        var resource = Double(step)
        if case .metric(let name)? = asha?.settings.resource {
            guard let spent = metrics[name], spent.isFinite else { return .continue }
            resource = spent
        }
        return judge(trial: trial, attempt: attempt, step: step, resource: resource, value: value)
    }

    /// The judged metric's `value` at `step` (the resource, for ASHA on steps), in the metric's
    /// own direction: the form the tests use.
    package mutating func report(trial: TrialID, attempt: Attempt = 1, step: Int, value: Double) -> PruneDecision {
        judge(trial: trial, attempt: attempt, step: step, resource: Double(step), value: value)
    }

    // MARK: ASHA's promotion form (`mode: promote`)

    /// Whether trials are paused and promoted rather than stopped.
    package var pauses: Bool { asha?.settings.mode == .promote }

    /// A checkpoint of `trial` at `step` is durable: the rung to pause it at now, when it was
    /// waiting for one (see `ASHARule.checkpointDurable`).
    package mutating func checkpointDurable(trial: TrialID, step: Int) -> Int? {
        asha?.checkpointDurable(trial: trial, step: step)
    }

    /// The paused trial to resume next and the rung it is promoted from (`ASHARule.promotion`).
    package func promotion(isPaused: (TrialID) -> Bool, final: Bool = false) -> (trial: TrialID, rung: Int)? {
        asha?.promotion(isPaused: isPaused, final: final)
    }

    /// `trial` goes on past rung `rung`.
    package mutating func promote(_ trial: TrialID, from rung: Int) { asha?.promote(trial, from: rung) }

    private mutating func judge(trial: TrialID, attempt: Attempt, step: Int, resource: Double, value raw: Double)
        -> PruneDecision
    {
        let value = raw.isFinite ? sign * raw : .infinity
        var state = progress[trial] ?? Progress(attempt: attempt, furthest: -.infinity, best: .infinity)
        guard attempt >= state.attempt else { return .continue }  // a late report of an older attempt
        if attempt > state.attempt {
            state.attempt = attempt
            state.best = .infinity
        }
        state.best = min(state.best, value)
        defer { progress[trial] = state }
        let position = asha != nil ? resource : Double(step)
        guard position > state.furthest else { return .continue }
        state.furthest = position
        if let decision = asha?.judge(trial: trial, step: step, resource: resource, value: value) { return decision }
        return median?.judge(trial: trial, step: step, value: value, best: state.best) ?? .continue
    }
}
