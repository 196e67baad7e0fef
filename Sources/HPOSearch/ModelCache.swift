import HPOCore
import HPOGaussianProcess

/// The GP fitted to the real results, with what is needed to propose from it.
struct FittedModel: Sendable {
    var process: GaussianProcess
    /// Observed points, best (lowest target) first.
    var ranked: [(point: [Double], target: Double)]
    var warping: OutputWarping
}

/// Keeps the last fit so that a proposal without new results refits nothing, and one with a few
/// new results only warm-starts from the previous hyperparameters; a full fit (several starts,
/// and the choice of output warping under `auto`) happens once enough of the data is new.
struct ModelCache: Sendable {
    private var fingerprint: Int?
    private var last: FittedModel?
    /// What proposals start from between refits (`posterior(appendingTo:)`): the last fit's
    /// posterior with every result since appended, its raw values in row order, and the results
    /// already considered (held, or left out of the fit's subset).
    private var base: (model: FittedModel, values: [Double], seen: Set<PointKey>)?
    private var hyperparameters: GPHyperparameters?
    private var warping: OutputWarping?
    /// Which of `BayesTuning.kernelPriors` the last fit used.
    private(set) var kernel = 0
    private var countAtFullFit = 0
    private var countAtFit = 0

    /// Whether a refit is due for `total` results on the schedule of `docs/bayes.md`: a full fit
    /// for every new result up to `alwaysFullRefitUpTo`, then a full fit once 1/8 of the data is
    /// new, a warm one once 2 % is.
    func refitDue(total: Int, tuning: BayesTuning) -> Bool {
        guard hyperparameters != nil, warping != nil else { return total > 0 }
        guard total > countAtFit else { return false }
        return fullRefitDue(total: total, tuning: tuning)
            || Double(total - countAtFit) >= tuning.warmRefitFraction * Double(total)
    }

    private func fullRefitDue(total: Int, tuning: BayesTuning) -> Bool {
        hyperparameters == nil || warping == nil || total <= tuning.alwaysFullRefitUpTo
            || Double(total - countAtFullFit) >= tuning.fullRefitFraction * Double(countAtFullFit)
    }

    /// The model for `observed`, refitting on the schedule first when needed (what a proposal
    /// does when nobody refits in the background).
    ///
    /// - Parameter total: how many results exist in all when `observed` is a subset of them (see
    ///   `ModelSubset`); what decides between a full fit, a warm one and none.
    mutating func fitted(
        to observed: [(point: [Double], value: Double)], total: Int? = nil, dimension d: Int, options: BayesOptions,
        tuning: BayesTuning, seed: UInt64
    ) -> FittedModel? {
        let fingerprint = Self.fingerprint(observed)
        if fingerprint == self.fingerprint, let last { return last }
        guard let model = refit(to: observed, total: total, dimension: d, options: options, tuning: tuning, seed: seed)
        else {
            return nil
        }
        self.fingerprint = fingerprint
        last = model
        return model
    }

    /// The posterior on `observed` at the hyperparameters last fitted, without refitting them
    /// (one Cholesky factorisation): what a proposal does while refits run in the background.
    /// Fits once, inline, when there are no hyperparameters yet.
    mutating func posterior(
        to observed: [(point: [Double], value: Double)], total: Int? = nil, dimension d: Int, options: BayesOptions,
        tuning: BayesTuning, seed: UInt64
    ) -> FittedModel? {
        guard let hyperparameters, let warping else {
            return fitted(to: observed, total: total, dimension: d, options: options, tuning: tuning, seed: seed)
        }
        let fingerprint = Self.fingerprint(observed)
        if fingerprint == self.fingerprint, let last { return last }
        let transform = OutputTransform(observations: observed.map(\.value), warping: warping)
        guard
            let process = GaussianProcess(
                inputs: Array(observed.map(\.point).joined()), rows: observed.count, targets: transform.targets,
                hyperparameters: hyperparameters)
        else { return fitted(to: observed, total: total, dimension: d, options: options, tuning: tuning, seed: seed) }
        let model = Self.model(process, observed: observed, transform: transform)
        self.fingerprint = fingerprint
        last = model
        return model
    }

    /// The posterior on every result in `observed` at the hyperparameters last fitted, without
    /// refitting them: the last refit's posterior (fitted to at most `maxModelPoints` results)
    /// with the results that arrived since appended, O(n²) each, so that a proposal with a fresh
    /// result costs milliseconds however many results there are. The model may hold up to the cap
    /// plus the results since the last refit, which comes every 2 % of new results (see
    /// `refitDue`). Fits once, inline, when there is no fit yet.
    mutating func posterior(
        appendingTo observed: [(point: [Double], value: Double)], dimension d: Int, options: BayesOptions,
        tuning: BayesTuning,
        seed: UInt64
    ) -> FittedModel? {
        if base == nil {
            let subset = ModelSubset.select(observed, cap: tuning.maxModelPoints)
            guard
                let model = posterior(
                    to: subset, total: observed.count, dimension: d, options: options, tuning: tuning, seed: seed)
            else { return nil }
            base = (model, subset.map(\.value), Set(observed.map(PointKey.init)))
            return model
        }
        guard var base, let warping else { return nil }
        let new = observed.filter { !base.seen.contains(PointKey($0)) }
        if new.isEmpty { return base.model }
        let values = base.values + new.map(\.value)
        let transform = OutputTransform(observations: values, warping: warping)
        guard
            let process = base.model.process.extended(
                with: Array(new.map(\.point).joined()), targets: transform.targets)
        else {
            self.base = nil
            return posterior(appendingTo: observed, dimension: d, options: options, tuning: tuning, seed: seed)
        }
        let points = (0..<process.count).map { Array(process.inputs[($0 * d)..<(($0 + 1) * d)]) }
        let model = Self.model(
            process, observed: zip(points, values).map { (point: $0, value: $1) }, transform: transform)
        base = (model, values, base.seen.union(new.map(PointKey.init)))
        self.base = base
        return model
    }

    /// Takes the hyperparameters of a refit made on a copy of this cache (in the background),
    /// when it saw more results than the fit in use, and its posterior as the base that new
    /// results are appended to.
    mutating func adoptFit(from other: ModelCache) {
        guard other.hyperparameters != nil, other.countAtFit > countAtFit || hyperparameters == nil else { return }
        hyperparameters = other.hyperparameters
        warping = other.warping
        kernel = other.kernel
        countAtFullFit = other.countAtFullFit
        countAtFit = other.countAtFit
        fingerprint = nil
        last = nil
        base = other.base
    }

    /// Fits the hyperparameters on the schedule (full, warm-started, or none: the same
    /// hyperparameters with the new posterior) and keeps them.
    /// - Parameter all: every result, when `observed` is a subset of them: the ones left out are
    ///   not appended to this fit's posterior later (see `posterior(appendingTo:)`).
    @discardableResult
    mutating func refit(
        to observed: [(point: [Double], value: Double)], total: Int? = nil,
        all: [(point: [Double], value: Double)]? = nil,
        dimension d: Int, options: BayesOptions, tuning: BayesTuning, seed: UInt64
    ) -> FittedModel? {
        let n = observed.count
        guard n > 0 else { return nil }
        let total = total ?? n
        let values = observed.map(\.value)
        let inputs = Array(observed.map(\.point).joined())
        let fitter = GPFitter(
            priors: tuning.priors(d), maxIterations: tuning.fullIterations, randomRestarts: tuning.randomRestarts)
        let full = fullRefitDue(total: total, tuning: tuning)

        var best: (process: GaussianProcess, transform: OutputTransform, score: Double, kernel: Int)?
        if full {
            let warpings: [OutputWarping] = options.output == .auto ? [.none, .log] : [OutputWarping(options.output)]
            for warping in warpings {
                let transform = OutputTransform(observations: values, warping: warping)
                for kernel in tuning.kernelPriors.indices {
                    var fitter = fitter
                    fitter.priors = tuning.priors(d, kernel: kernel)
                    let same = warping == self.warping && kernel == self.kernel
                    guard
                        let process = fitter.fit(
                            inputs: inputs, rows: n, targets: transform.targets,
                            warmStart: same ? hyperparameters : nil,
                            seed: seed &+ UInt64(n))
                    else { continue }
                    // The warpings are monotone and the kernels differ only in their priors:
                    // compare how well each model ranks held-out results (leave-one-out), and keep
                    // the untransformed, first-listed model unless another is clearly better.
                    let bonus = (warping == .none ? 0.02 : 0) + (kernel == 0 ? 0.01 : 0)
                    let score = Self.rankCorrelation(process.leaveOneOutMeans(), transform.targets) + bonus
                    if score > best?.score ?? -.infinity { best = (process, transform, score, kernel) }
                }
            }
        } else if let warping, let hyperparameters {
            let transform = OutputTransform(observations: values, warping: warping)
            let process: GaussianProcess?
            if Double(total - countAtFit) >= tuning.warmRefitFraction * Double(total) {
                var warm = fitter
                warm.priors = tuning.priors(d, kernel: kernel)
                warm.maxIterations = tuning.warmIterations
                process = warm.fit(
                    inputs: inputs, rows: n, targets: transform.targets, warmStart: hyperparameters, warmOnly: true)
            } else {
                // Few new results among many: the same hyperparameters, the new posterior.
                process = GaussianProcess(
                    inputs: inputs, rows: n, targets: transform.targets, hyperparameters: hyperparameters)
            }
            if let process { best = (process, transform, 0, kernel) }
        }
        guard let best else { return nil }
        if full { countAtFullFit = total }
        if full || Double(total - countAtFit) >= tuning.warmRefitFraction * Double(total) { countAtFit = total }
        hyperparameters = best.process.hyperparameters
        warping = best.transform.warping
        kernel = best.kernel
        fingerprint = nil
        last = nil
        let model = Self.model(best.process, observed: observed, transform: best.transform)
        base = (model, values, Set((all ?? observed).map(PointKey.init)))
        return model
    }

    private static func model(
        _ process: GaussianProcess, observed: [(point: [Double], value: Double)], transform: OutputTransform
    ) -> FittedModel {
        let ranked = zip(observed.map(\.point), transform.targets).sorted { $0.1 < $1.1 }.map {
            (point: $0.0, target: $0.1)
        }
        return FittedModel(process: process, ranked: ranked, warping: transform.warping)
    }

    private static func fingerprint(_ observed: [(point: [Double], value: Double)]) -> Int {
        var hasher = Hasher()
        for (point, value) in observed {
            hasher.combine(point)
            hasher.combine(value)
        }
        return hasher.finalize()
    }
}

/// Which results a posterior already has, by their point: no two finished trials share one (a
/// duplicate is never proposed), and a failed trial's imputed value (the worst so far) may change
/// while its point must not be appended twice; the next refit takes the new value.
struct PointKey: Hashable, Sendable {
    let point: [Double]
    init(_ observation: (point: [Double], value: Double)) { point = observation.point }
}

extension ModelCache {
    /// Spearman's rank correlation (ties broken by position).
    static func rankCorrelation(_ a: [Double], _ b: [Double]) -> Double {
        func ranks(_ v: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: v.count)
            for (rank, index) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[index] = Double(rank) }
            return r
        }
        let ra = ranks(a)
        let rb = ranks(b)
        let n = Double(a.count)
        guard n > 2 else { return 0 }
        var squared = 0.0
        for i in a.indices { squared += (ra[i] - rb[i]) * (ra[i] - rb[i]) }
        return 1 - 6 * squared / (n * (n * n - 1))
    }
}

extension OutputWarping {
    init(_ kind: OutputTransformKind) {
        switch kind {
        case .none, .auto: self = .none
        case .log: self = .log
        case .rankGaussian: self = .rankGaussian
        }
    }
}
