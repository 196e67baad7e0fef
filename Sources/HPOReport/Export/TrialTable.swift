import HPOCore

/// One row per trial, in trial order, with its final state: what `hpo export` writes.
package struct TrialTable: Sendable {
    package struct Row: Hashable, Sendable {
        package var trial: TrialID
        /// The deciding attempt (the one that completed, else the last).
        package var attempt: Attempt
        package var state: TrialState
        package var objective: Double?
        /// The worker's measure of the deciding attempt (nil while it runs).
        package var durationSeconds: Double?
        package var worker: WorkerID?
        package var params: Parameters
        package var metrics: [String: Double]
        /// Why the deciding attempt failed or was lost.
        package var reason: String?
    }

    /// Parameter names: the study's order, then any others (sorted).
    package var parameterNames: [String]
    /// Metric names, sorted.
    package var metricNames: [String]
    package var rows: [Row]

    package init(history: StudyHistory) {
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
    package static let fixedColumns = ["trial", "attempt", "status", "objective", "duration_s", "worker"]
    /// The column for a parameter and for a metric.
    package static func parameterColumn(_ name: String) -> String { "param_\(name)" }
    package static func metricColumn(_ name: String) -> String { "metric_\(name)" }

    /// Every column, in order: fixed, `param_<name>`…, `metric_<name>`…, `reason`.
    package var columns: [String] {
        Self.fixedColumns + parameterNames.map(Self.parameterColumn) + metricNames.map(Self.metricColumn) + ["reason"]
    }
}
