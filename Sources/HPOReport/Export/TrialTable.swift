import HPOCore

/// One row per trial, in trial order, with its final state: what `hpo export` writes.
public struct TrialTable: Sendable {
    public struct Row: Hashable, Sendable {
        public var trial: TrialID
        /// The deciding attempt (the one that completed, else the last).
        public var attempt: Attempt
        public var state: TrialState
        public var objective: Double?
        /// The worker's measure of the deciding attempt (nil while it runs).
        public var durationSeconds: Double?
        public var worker: WorkerID?
        public var params: Parameters
        public var metrics: [String: Double]
        /// Why the deciding attempt failed or was lost.
        public var reason: String?
    }

    /// Parameter names: the study's order, then any others (sorted).
    public var parameterNames: [String]
    /// Metric names, sorted.
    public var metricNames: [String]
    public var rows: [Row]

    public init(history: StudyHistory) {
        parameterNames = StudySummary.parameterNames(history)
        rows = history.trials.map { trial in
            let last = trial.finalAttempt
            return Row(
                trial: trial.trial, attempt: last?.attempt ?? 0, state: trial.state, objective: trial.objective,
                durationSeconds: last?.durationSeconds, worker: last?.worker, params: trial.params,
                metrics: trial.metrics, reason: last?.reason)
        }
        metricNames = Set(rows.flatMap { $0.metrics.keys }).sorted()
    }

    /// The fixed columns, before the parameters and metrics.
    public static let fixedColumns = ["trial", "attempt", "status", "objective", "duration_s", "worker"]
    /// The column for a parameter and for a metric.
    public static func parameterColumn(_ name: String) -> String { "param_\(name)" }
    public static func metricColumn(_ name: String) -> String { "metric_\(name)" }

    /// Every column, in order: fixed, `param_<name>`…, `metric_<name>`…, `reason`.
    public var columns: [String] {
        Self.fixedColumns + parameterNames.map(Self.parameterColumn) + metricNames.map(Self.metricColumn) + ["reason"]
    }
}
