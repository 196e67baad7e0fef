/// A bound on a metric a completed trial reports (`constraints: [{metric: memory_gb, max: 16}]`):
/// a trial whose value is outside `[min, max]`, or that does not report the metric, is infeasible.
package struct OutcomeConstraint: Hashable, Sendable, Codable {
    package var metric: String
    /// The smallest allowed value (inclusive); nil for no lower bound.
    package var min: Double?
    /// The largest allowed value (inclusive); nil for no upper bound.
    package var max: Double?

    package init(metric: String, min: Double? = nil, max: Double? = nil) {
        self.metric = metric
        self.min = min
        self.max = max
    }

    /// Whether `metrics` satisfies the constraint: the metric is there, finite and within bounds.
    package func isSatisfied(by metrics: [String: Double]) -> Bool {
        guard let value = metrics[metric], value.isFinite else { return false }
        if let min, value < min { return false }
        if let max, value > max { return false }
        return true
    }
}

extension StudyConfig {
    /// Every objective, the first being `objective`.
    package var objectives: [Objective] { paretoObjectives ?? [objective] }

    /// Whether the study has several objectives (a Pareto front instead of a best trial).
    package var isMultiObjective: Bool { objectives.count > 1 }

    /// Whether the search needs each finished trial's metrics, not only its objective value.
    package var modelsOutcomes: Bool { isMultiObjective || !(constraints ?? []).isEmpty }

    /// Whether a completed trial with these metrics is feasible: nil when the study has no
    /// constraints, else whether it satisfies every one.
    package func feasibility(of metrics: [String: Double]) -> Bool? {
        guard let constraints, !constraints.isEmpty else { return nil }
        return constraints.allSatisfy { $0.isSatisfied(by: metrics) }
    }

    /// The objectives' values as losses (to minimise: a maximised objective negated), or nil if
    /// one of them is missing or not finite.
    package func losses(of metrics: [String: Double]) -> [Double]? {
        var losses: [Double] = []
        for objective in objectives {
            guard let value = metrics[objective.metric], value.isFinite else { return nil }
            losses.append(objective.direction == .minimize ? value : -value)
        }
        return losses
    }

    /// The first objective metric a completed result lacks (or has as NaN or infinity), with why.
    package func missingObjective(in metrics: [String: Double]) -> String? {
        for objective in objectives {
            guard let value = metrics[objective.metric] else {
                return "objective metric '\(objective.metric)' missing from the result"
            }
            if !value.isFinite {
                return "objective metric '\(objective.metric)' is \(value.isNaN ? "NaN" : "infinite")"
            }
        }
        return nil
    }
}
