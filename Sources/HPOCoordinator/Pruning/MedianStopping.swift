import HPOCore

/// Median stopping (Golovin et al., 2017, as in Optuna's MedianPruner): at each step past
/// `warmup_steps`, a trial stops when its best value so far is worse than the median of the
/// values the other trials reported at that same step, once at least `min_trials` of them have.
/// The other trials are all that reported the step before, whatever became of them (running,
/// completed, pruned). A step no other trial reported is not judged. Values are to minimise.
struct MedianStoppingRule: Sendable {
    let settings: MedianSettings
    let metric: JudgedMetric
    /// The value each trial reported at each step (the first report of the step counts).
    private(set) var values: [Int: [TrialID: Double]] = [:]

    init(settings: MedianSettings, metric: JudgedMetric) {
        self.settings = settings
        self.metric = metric
    }

    /// A trial reports `value` at `step`; `best` is the best value of its attempt so far, this
    /// one included.
    mutating func judge(trial: TrialID, step: Int, value: Double, best: Double) -> PruneDecision {
        let others = (values[step] ?? [:]).filter { $0.key != trial }.map(\.value)
        if values[step]?[trial] == nil { values[step, default: [:]][trial] = value }
        guard step > settings.warmupSteps, others.count >= settings.minTrials else { return .continue }
        let median = Self.median(others)
        guard best > median else { return .continue }
        return .stop(
            reason: "median: best \(metric.name) so far \(metric.show(best)) at step \(step) is worse than the median "
                + "\(metric.show(median)) of the \(others.count) other trials at that step")
    }

    /// The middle value (the mean of the two middle ones for an even count). `values` is not empty.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
