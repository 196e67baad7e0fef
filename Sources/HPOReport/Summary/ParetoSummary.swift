import HPOCore

/// The Pareto front of a study with several objectives, from its history: the completed, feasible
/// trials nothing dominates, the hypervolume they dominate up to the reference point, and that
/// hypervolume after each completed trial (docs/report.md, "Pareto front").
package struct ParetoSummary: Hashable, Sendable {
    /// A completed trial's objective values, in the objectives' order and the metrics' own sign.
    package struct Point: Hashable, Sendable {
        package var trial: TrialID
        package var values: [Double]
        package var params: Parameters
        /// Log time its result arrived.
        package var ended: Double
        package var feasible: Bool
    }

    package struct Step: Hashable, Sendable {
        /// Log time of the result.
        package var time: Double
        /// Completed trials so far.
        package var completed: Int
        package var hypervolume: Double
    }

    package var objectives: [Objective]
    /// Every completed trial with every objective finite, in the order results arrived.
    package var points: [Point]
    /// The front, sorted by the first objective (better first).
    package var front: [Point]
    /// The reference point, in the metrics' own sign: each objective's `reference`, else the
    /// worst feasible value plus a tenth of the range.
    package var reference: [Double]
    package var hypervolume: Double
    /// The hypervolume after each completed trial, against `reference`.
    package var steps: [Step]

    /// nil unless the study has several objectives.
    package init?(history: StudyHistory) {
        guard let config = history.config, config.isMultiObjective else { return nil }
        objectives = config.objectives
        let signs = config.objectives.map { $0.direction == .minimize ? 1.0 : -1.0 }
        points = history.trials.compactMap { trial in
            guard trial.state == .completed, let attempt = trial.finalAttempt, let ended = attempt.ended else {
                return nil
            }
            let values = config.objectives.compactMap { attempt.metrics[$0.metric] }
            guard values.count == config.objectives.count, values.allSatisfy(\.isFinite) else { return nil }
            return Point(
                trial: trial.trial, values: values, params: attempt.params, ended: ended,
                feasible: attempt.feasible != false)
        }.sorted { ($0.ended, $0.trial) < ($1.ended, $1.trial) }
        func losses(_ point: Point) -> [Double] { zip(point.values, signs).map { $0 * $1 } }
        let feasible = points.filter(\.feasible)
        let lossReference = config.hypervolumeReference(losses: feasible.map(losses))
        reference = zip(lossReference, signs).map { $0 * $1 }
        let indices = ParetoFront.nonDominated(feasible.map(losses))
        front = indices.map { feasible[$0] }.sorted { a, b in
            a.values[0] != b.values[0]
                ? config.objectives[0].isBetter(a.values[0], than: b.values[0]) : a.trial < b.trial
        }
        // The front so far, kept small: each new feasible point joins it unless dominated, and
        // removes the points it dominates.
        var current: [[Double]] = []
        var completed = 0
        steps = []
        for point in points {
            completed += 1
            if point.feasible {
                let loss = losses(point)
                if !current.contains(where: { ParetoFront.dominates($0, loss) || $0 == loss }) {
                    current = current.filter { !ParetoFront.dominates(loss, $0) } + [loss]
                }
            }
            steps.append(
                Step(
                    time: point.ended, completed: completed,
                    hypervolume: ParetoFront.hypervolume(current, reference: lossReference)))
        }
        hypervolume = ParetoFront.hypervolume(front.map(losses), reference: lossReference)
    }

    /// Whether a trial is on the front.
    package func isOnFront(_ trial: TrialID) -> Bool { front.contains { $0.trial == trial } }
}
