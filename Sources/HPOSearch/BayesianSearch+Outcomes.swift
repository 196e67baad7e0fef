import Foundation
import HPOCore
import HPOGaussianProcess

/// What the Bayesian search models for a study with several objectives or outcome constraints
/// (docs/bayes.md, "Several objectives and constraints"):
///
/// - Several objectives: ParEGO (Knowles 2006). Each proposal draws fresh weights λ uniformly
///   from the simplex and scalarises the objectives, each normalised to [0, 1] over the results,
///   with the augmented Chebyshev function max_k λ_k z_k + ρ Σ_k λ_k z_k (ρ = 0.05); one GP on
///   those values, log EI as for one objective, lies for the running trials and for the batch's
///   earlier picks as for one objective. Different weights per proposal spread a batch over the
///   front. The hyperparameters are refitted (in the background) to the equal-weight scalarisation
///   and reused for every weight vector in between.
/// - Constraints: one GP per constraint metric, conditioned on the pending points too
///   (`FeasibilityModel.condition(onPending:lieSDs:)`); acquisition is log EI + log P(feasible), the
///   incumbent the best feasible result; while none is feasible, P(feasible) alone.
struct OutcomeModels: Sendable {
    let objectives: [Objective]
    let constraints: [OutcomeConstraint]
    var objectiveCache = ModelCache()
    var constraintCaches: [ModelCache]

    /// ParEGO's augmentation weight ρ.
    static let augmentation = 0.05

    init(config: StudyConfig) {
        objectives = config.objectives
        constraints = config.constraints ?? []
        constraintCaches = constraints.map { _ in ModelCache() }
    }

    mutating func adoptFits(from other: OutcomeModels) {
        objectiveCache.adoptFit(from: other.objectiveCache)
        for i in constraintCaches.indices where i < other.constraintCaches.count {
            constraintCaches[i].adoptFit(from: other.constraintCaches[i])
        }
    }

    /// One completed trial as the models see it.
    struct Result {
        var point: [Double]
        /// The objectives as losses.
        var losses: [Double]
        var feasible: Bool
        /// Each constraint's metric (nil when the trial did not report it).
        var constraintValues: [Double?]
    }

    /// The completed results of `history` (trials whose metrics carry every objective).
    func results(_ history: SearchHistory, encoding: UnitCubeEncoding) -> [Result] {
        var results: [Result] = []
        for (index, trial) in history.finished.enumerated() where index < history.finishedMetrics.count {
            let metrics = history.finishedMetrics[index]
            guard trial.objective != nil, !metrics.isEmpty else { continue }
            var losses: [Double] = []
            for objective in objectives {
                guard let value = metrics[objective.metric], value.isFinite else { break }
                losses.append(objective.direction == .minimize ? value : -value)
            }
            guard losses.count == objectives.count else { continue }
            results.append(
                Result(
                    point: encoding.snap(encoding.encode(trial.parameters)), losses: losses,
                    feasible: constraints.allSatisfy { $0.isSatisfied(by: metrics) },
                    constraintValues: constraints.map { c in metrics[c.metric].flatMap { $0.isFinite ? $0 : nil } }))
        }
        return results
    }

    /// The scalar each result gives the objective GP under `weights` (the loss itself for one objective).
    func scalarised(_ results: [Result], weights: [Double]) -> [(point: [Double], value: Double)] {
        guard objectives.count > 1 else { return results.map { ($0.point, $0.losses[0]) } }
        let k = objectives.count
        let low = (0..<k).map { j in results.map { $0.losses[j] }.min() ?? 0 }
        let high = (0..<k).map { j in results.map { $0.losses[j] }.max() ?? 1 }
        return results.map { result in
            var largest = -Double.infinity
            var sum = 0.0
            for j in 0..<k {
                let span = high[j] - low[j]
                let z = span > 0 ? (result.losses[j] - low[j]) / span : 0
                largest = max(largest, weights[j] * z)
                sum += weights[j] * z
            }
            return (result.point, largest + Self.augmentation * sum)
        }
    }

    /// Weights drawn uniformly from the simplex (normalised exponentials), one vector per proposal.
    static func weights(count k: Int, seed: UInt64, proposal: Int) -> [Double] {
        var generator = SplitMix64(seed: seed &+ UInt64(proposal) &* 0x9E37_79B9_7F4A_7C15, stream: 0x9A4E_60)
        let draws = (0..<k).map { _ in -Foundation.log(max(generator.nextUnit(), 1e-300)) }
        let total = draws.reduce(0, +)
        return draws.map { $0 / total }
    }
}

extension BayesianSearch {
    /// `propose` for several objectives or constraints: the design first, as for one objective,
    /// then one ParEGO scalarisation per proposal (see `OutcomeModels`).
    mutating func proposeForOutcomes(_ count: Int, history: SearchHistory) -> [Parameters] {
        guard var outcomes else { return [] }
        defer { self.outcomes = outcomes }
        let (_, finishedPoints) = observations(history)
        let results = outcomes.results(history, encoding: encoding)
        var taken = finishedPoints
        var pending = history.running.map { encoding.snap(encoding.encode($0)) }
        taken += pending
        let feasibility = results.count >= minimumObservations ? fitConstraints(&outcomes, results) : nil

        // The constraint GPs conditioned on `pending[..<conditionedCount]`, from the first model proposal on.
        var conditioned: FeasibilityModel?
        var conditionedCount = 0
        var proposals: [Parameters] = []
        for _ in 0..<count {
            var point: [Double]?
            if taken.count < initialDesignSize || results.count < minimumObservations {
                point = nextDesignPoint(avoiding: taken)
            } else {
                let weights = OutcomeModels.weights(
                    count: outcomes.objectives.count, seed: seed, proposal: proposedCount)
                let observed = outcomes.scalarised(results, weights: weights)
                let subset = ModelSubset.select(observed, cap: tuning.maxModelPoints)
                let d = encoding.dimension
                let fitted =
                    refitsInBackground
                    ? outcomes.objectiveCache.posterior(
                        to: subset, total: observed.count, dimension: d, options: options, tuning: tuning, seed: seed)
                    : outcomes.objectiveCache.fitted(
                        to: subset, total: observed.count, dimension: d, options: options, tuning: tuning, seed: seed)
                if let fitted {
                    let feasiblePoints = Set(results.filter(\.feasible).map(\.point))
                    let ranked = fitted.ranked.filter { feasiblePoints.contains($0.point) }
                    if conditioned == nil, var model = feasibility {
                        model.probabilityOnly = ranked.isEmpty
                        conditioned = model
                    }
                    for pendingPoint in pending.dropFirst(conditionedCount) {
                        conditioned?.condition(onPending: pendingPoint, lieSDs: tuning.feasibilityLieSDs)
                    }
                    conditionedCount = pending.count
                    point = proposeFromModel(
                        fitted, pending: pending, taken: taken, feasibility: conditioned,
                        feasibleBest: feasibility == nil ? nil : ranked.first?.target ?? 0,
                        feasibleIncumbents: feasibility == nil || ranked.isEmpty ? nil : ranked.map(\.point))
                }
                if point == nil { point = nextDesignPoint(avoiding: taken) }
            }
            guard let point else {
                isExhausted = true
                break
            }
            taken.append(point)
            pending.append(point)
            proposals.append(encoding.decode(point))
            proposedCount += 1
        }
        return proposals
    }

    /// The constraint GPs on their metric's results (standardised, no warping, so that the bounds
    /// map onto the targets' scale); nil when the study has no constraints or none can be fitted.
    private func fitConstraints(_ outcomes: inout OutcomeModels, _ results: [OutcomeModels.Result])
        -> FeasibilityModel?
    {
        guard !outcomes.constraints.isEmpty else { return nil }
        var options = self.options
        options.output = .none
        var fitted: [FeasibilityModel.Constraint] = []
        for (index, constraint) in outcomes.constraints.enumerated() {
            let observed = results.compactMap { r in r.constraintValues[index].map { (point: r.point, value: $0) } }
            guard observed.count >= 2 else { continue }
            let subset = ModelSubset.select(observed, cap: tuning.maxModelPoints)
            let d = encoding.dimension
            guard
                let model = refitsInBackground
                    ? outcomes.constraintCaches[index].posterior(
                        to: subset, total: observed.count, dimension: d, options: options, tuning: tuning, seed: seed)
                    : outcomes.constraintCaches[index].fitted(
                        to: subset, total: observed.count, dimension: d, options: options, tuning: tuning, seed: seed)
            else { continue }
            let transform = OutputTransform(observations: subset.map(\.value), warping: .none)
            fitted.append(
                FeasibilityModel.Constraint(
                    process: model.process, lower: constraint.min.flatMap(transform.apply),
                    upper: constraint.max.flatMap(transform.apply)))
        }
        return fitted.isEmpty ? nil : FeasibilityModel(constraints: fitted)
    }

    func outcomesRefitDue(_ outcomes: OutcomeModels, history: SearchHistory) -> Bool {
        let results = outcomes.results(history, encoding: encoding).count
        guard results >= minimumObservations, history.finished.count + history.running.count >= initialDesignSize
        else { return false }
        return outcomes.objectiveCache.refitDue(total: results, tuning: tuning)
            || outcomes.constraintCaches.contains { $0.refitDue(total: results, tuning: tuning) }
    }

    /// The background refit: the objective GP's hyperparameters on the equal-weight scalarisation,
    /// and each constraint GP's.
    mutating func refitOutcomeModels(history: SearchHistory) {
        guard var outcomes else { return }
        defer { self.outcomes = outcomes }
        let results = outcomes.results(history, encoding: encoding)
        guard !results.isEmpty else { return }
        let k = outcomes.objectives.count
        let observed = outcomes.scalarised(results, weights: Array(repeating: 1 / Double(k), count: k))
        let d = encoding.dimension
        let subset = ModelSubset.select(observed, cap: tuning.maxModelPoints)
        outcomes.objectiveCache.refit(
            to: subset, total: observed.count, dimension: d, options: options, tuning: tuning, seed: seed)
        var constraintOptions = options
        constraintOptions.output = .none
        for index in outcomes.constraints.indices {
            let values = results.compactMap { r in r.constraintValues[index].map { (point: r.point, value: $0) } }
            guard values.count >= 2 else { continue }
            outcomes.constraintCaches[index].refit(
                to: ModelSubset.select(values, cap: tuning.maxModelPoints), total: values.count, dimension: d,
                options: constraintOptions, tuning: tuning, seed: seed)
        }
    }
}
