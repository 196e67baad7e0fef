import HPOCore
import HPOGaussianProcess

/// Bayesian optimisation: a Gaussian process on the unit-cube encoding of the space, expected
/// improvement in log space, and lies for the trials still running (see `docs/bayes.md`).
///
/// - The first `initialDesignSize` proposals come from a maximin Latin hypercube.
/// - Then every proposal maximises log EI under a GP fitted to the *real* results only; the
///   running trials, and the points already chosen for the same batch, enter as lies that
///   condition the posterior without refitting its hyperparameters.
/// - Failed trials are not given to the GP, but their points are never proposed again.
///
/// A value type: the fitted model is cached inside, so keep the same value between calls (a
/// copy starts from the copy's cache). For a given seed, the proposals depend only on the history
/// passed to each call in turn.
package struct BayesianSearch: SearchStrategy {
    package let space: SearchSpace
    package let seed: UInt64
    package let options: BayesOptions
    /// The design size in use (the option, or the default for this space and worker count).
    package let initialDesignSize: Int
    package private(set) var proposedCount = 0
    /// Set once no untried configuration could be found (a small discrete space, all tried).
    package private(set) var isExhausted = false

    /// Knobs of the model and the acquisition optimiser, for benchmarks and tests.
    package var tuning = BayesTuning()
    /// When set, `propose` never refits the hyperparameters (except for the very first model):
    /// it conditions the last fit on the results as they are now (one Cholesky), and the caller
    /// refits apart with `refitModel(history:)`, on a copy in the background, then hands the copy
    /// back with `adoptModel(from:)`. That keeps a proposal that includes a fresh result to
    /// milliseconds. See `docs/bayes.md`, "The pipeline".
    package var refitsInBackground = false
    /// Results of earlier studies (`warm_start:`; HPOCoordinator `WarmStart`), as values to
    /// minimise: observations of the model from the first proposal on, counted toward the initial
    /// design. Never proposed again as such, since they are not this study's trials.
    package var priorResults: [(parameters: Parameters, objective: Double)] = []

    let encoding: UnitCubeEncoding
    private var model = ModelCache()
    private var design: [[Double]] = []

    /// - Parameter workers: how many trials run at once, when known: the default initial design
    ///   grows to cover the first proposals, which are all made without any result.
    package init(space: SearchSpace, seed: UInt64, options: BayesOptions = BayesOptions(), workers: Int? = nil) {
        self.space = space
        self.seed = seed
        self.options = options
        self.encoding = UnitCubeEncoding(space: space)
        self.initialDesignSize = max(
            options.initial ?? Self.defaultInitialDesignSize(parameters: space.parameters.count, workers: workers ?? 1),
            1)
    }

    package init(config: StudyConfig, workers: Int? = nil) {
        self.init(space: config.space, seed: config.seed, options: config.strategy.bayes, workers: workers)
    }

    /// max(2·d + 2, workers + 2): enough to give each length scale a chance, and more than the
    /// blind first round of parallel proposals.
    package static func defaultInitialDesignSize(parameters d: Int, workers: Int) -> Int {
        max(2 * d + 2, workers + 2)
    }

    package mutating func propose(_ count: Int, history: SearchHistory) -> [Parameters] {
        guard count > 0 else { return [] }
        let (observed, finishedPoints) = observations(history)
        var taken = finishedPoints
        var pending = history.running.map { encoding.snap(encoding.encode($0)) }
        taken += pending

        var fitted: FittedModel?
        var proposals: [Parameters] = []
        for _ in 0..<count {
            let point: [Double]?
            if taken.count + priorResults.count < initialDesignSize || observed.count < minimumObservations {
                point = nextDesignPoint(avoiding: taken)
            } else {
                if fitted == nil {
                    let d = encoding.dimension
                    if refitsInBackground {
                        fitted = model.posterior(
                            appendingTo: observed, dimension: d, options: options, tuning: tuning, seed: seed)
                    } else {
                        let subset = ModelSubset.select(observed, cap: tuning.maxModelPoints)
                        fitted = model.fitted(
                            to: subset, total: observed.count, dimension: d, options: options, tuning: tuning,
                            seed: seed)
                    }
                }
                point =
                    fitted.flatMap { proposeFromModel($0, pending: pending, taken: taken) }
                    ?? nextDesignPoint(avoiding: taken)
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

    /// The results as encoded points with finite values, and every finished point. A failed
    /// trial (not a pruned one) counts, with `tuning.imputeFailures`, as the worst value observed:
    /// failures cluster (a learning rate that diverges), and a model that never hears of them
    /// keeps proposing where they happen.
    private func observations(_ history: SearchHistory) -> (
        observed: [(point: [Double], value: Double)], finished: [[Double]]
    ) {
        var observed: [(point: [Double], value: Double)] = []
        var failed: [[Double]] = []
        var finished: [[Double]] = []
        let pruned = Set(history.pruned.map(\.parameters))
        for trial in history.finished {
            let point = encoding.snap(encoding.encode(trial.parameters))
            finished.append(point)
            if let value = trial.objective, value.isFinite {
                observed.append((point, value))
            } else if !pruned.contains(trial.parameters) {
                failed.append(point)
            }
        }
        for prior in priorResults where prior.objective.isFinite {
            observed.append((encoding.snap(encoding.encode(prior.parameters)), prior.objective))
        }
        if tuning.imputeFailures, let worst = observed.map(\.value).max() {
            observed += failed.map { (point: $0, value: worst) }
        }
        return (observed, finished)
    }

    /// Whether `refitModel(history:)` has work to do: the model is in use (past the design) and
    /// new results are due a refit on the schedule.
    package func refitDue(history: SearchHistory) -> Bool {
        guard refitsInBackground else { return false }
        let results = history.finished.count { $0.objective?.isFinite ?? false } + priorResults.count
        let tried = history.finished.count + history.running.count + priorResults.count
        guard results >= minimumObservations, tried >= initialDesignSize else {
            return false
        }
        return model.refitDue(total: results, tuning: tuning)
    }

    /// Refits the hyperparameters to the results in `history` on the schedule (the slow part of
    /// a proposal). Call on a copy off the dispatch path, then `adoptModel(from:)` the copy.
    package mutating func refitModel(history: SearchHistory) {
        let (observed, _) = observations(history)
        guard !observed.isEmpty else { return }
        let subset = ModelSubset.select(observed, cap: tuning.maxModelPoints)
        model.refit(
            to: subset, total: observed.count, all: observed, dimension: encoding.dimension, options: options,
            tuning: tuning, seed: seed)
    }

    /// Takes the hyperparameters a copy refitted (`refitModel`), if it saw more results than
    /// the fit in use; everything else (proposals made, the design) stays this value's own.
    package mutating func adoptModel(from other: BayesianSearch) {
        model.adoptFit(from: other.model)
    }

    /// Real results needed before the model takes over from the design.
    private var minimumObservations: Int { max(3, (initialDesignSize + 1) / 2) }

    /// One proposal: condition on the pending points with their lies, maximise log EI.
    private func proposeFromModel(_ fitted: FittedModel, pending: [[Double]], taken: [[Double]]) -> [Double]? {
        var process = fitted.process
        let real = fitted.process.targets
        let lie: Double
        switch options.lie {
        case .min: lie = real.min() ?? 0
        case .mean: lie = real.reduce(0, +) / Double(max(real.count, 1))
        case .max: lie = real.max() ?? 0
        }
        for point in pending {
            let value: Double
            switch options.batch {
            case .constantLiar:
                // The constant, kept within `lieBand` posterior sds of the model's prediction:
                // a lie the model finds implausible bends the posterior into false plateaus and
                // overshoots (see docs/bayes.md, "Lies").
                if let band = tuning.lieBand {
                    let prediction = process.predict(point, rows: 1)
                    let sd = prediction.variance[0].squareRoot()
                    value = Swift.min(Swift.max(lie, prediction.mean[0] - band * sd), prediction.mean[0] + band * sd)
                } else {
                    value = lie
                }
            case .krigingBeliever: value = process.predict(point, rows: 1).mean[0]
            }
            process.condition(on: point, value: value)
        }
        let best = process.targets.min() ?? 0
        let incumbents = fitted.ranked.map(\.point)
        var optimizer = tuning.acquisition
        optimizer.duplicateTolerance = tuning.duplicateTolerance
        let stream = UInt64(taken.count) &* 0x9E37_79B9 &+ seed
        return optimizer.maximize(
            model: process, best: best, encoding: encoding, incumbents: incumbents, taken: taken, seed: stream)?.point
    }

    /// The next design point not already taken: the Latin hypercube first, then the R_d sequence.
    private mutating func nextDesignPoint(avoiding taken: [[Double]]) -> [Double]? {
        let d = space.parameters.count
        if design.isEmpty {
            design = SpaceFillingDesign.latinHypercube(count: initialDesignSize, dimension: d, seed: seed)
        }
        let checker = AcquisitionOptimizer(duplicateTolerance: tuning.duplicateTolerance)
        for u in design {
            let point = encoding.snap(encoding.encode(parameterUnit: u))
            if !checker.isDuplicate(point, of: taken), encoding.allows(point) { return point }
        }
        // Beyond the hypercube (too few results yet, or a small discrete space).
        let batch = 256
        for block in 0..<64 {
            let flat = SpaceFillingDesign.kronecker(count: batch, dimension: d, seed: seed, start: block * batch)
            for i in 0..<batch {
                let point = encoding.snap(encoding.encode(parameterUnit: Array(flat[(i * d)..<((i + 1) * d)])))
                if !checker.isDuplicate(point, of: taken), encoding.allows(point) { return point }
            }
        }
        return nil
    }
}
