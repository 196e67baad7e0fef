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
        /// Completed trials of a study with constraints: whether they hold.
        package var feasible: Bool? = nil
        /// Studies with several objectives: whether the trial is on the Pareto front.
        package var onFront: Bool? = nil
    }

    /// Whether the table has a `feasible` column (the study has outcome constraints) and a
    /// `pareto` column (several objectives).
    package var hasFeasible = false
    package var hasFront = false

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
        hasFeasible = !(history.config?.constraints ?? []).isEmpty
        if hasFeasible {
            for (index, trial) in history.trials.enumerated() { rows[index].feasible = trial.feasible }
        }
        if let pareto = ParetoSummary(history: history) {
            hasFront = true
            let front = Set(pareto.front.map(\.trial))
            for index in rows.indices { rows[index].onFront = front.contains(rows[index].trial) }
        }
    }

    /// The fixed columns, before the parameters and metrics.
    package static let fixedColumns = ["trial", "attempt", "status", "objective", "duration_s", "worker"]
    /// The column for a parameter and for a metric.
    package static func parameterColumn(_ name: String) -> String { "param_\(name)" }
    package static func metricColumn(_ name: String) -> String { "metric_\(name)" }

    /// Every column, in order: fixed, `feasible` and `pareto` when the study has them,
    /// `param_<name>`…, `metric_<name>`…, `reason`.
    package var columns: [String] {
        Self.fixedColumns + (hasFeasible ? ["feasible"] : []) + (hasFront ? ["pareto"] : [])
            + parameterNames.map(Self.parameterColumn) + metricNames.map(Self.metricColumn) + ["reason"]
    }
}
