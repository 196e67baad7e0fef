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
    private var hyperparameters: GPHyperparameters?
    private var warping: OutputWarping?
    /// Which of `BayesTuning.kernelPriors` the last fit used.
    private(set) var kernel = 0
    private var countAtFullFit = 0
    private var countAtFit = 0

    /// - Parameter total: how many results exist in all when `observed` is a subset of them (see
    ///   `ModelSubset`); what decides between a full fit, a warm one and none.
    mutating func fitted(
        to observed: [(point: [Double], value: Double)], total: Int? = nil, dimension d: Int, options: BayesOptions,
        tuning: BayesTuning, seed: UInt64
    ) -> FittedModel? {
        var hasher = Hasher()
        for (point, value) in observed {
            hasher.combine(point)
            hasher.combine(value)
        }
        let fingerprint = hasher.finalize()
        if fingerprint == self.fingerprint, let last { return last }

        let n = observed.count
        let total = total ?? n
        let values = observed.map(\.value)
        let inputs = Array(observed.map(\.point).joined())
        let fitter = GPFitter(priors: tuning.priors(d), maxIterations: tuning.fullIterations, randomRestarts: tuning.randomRestarts)
        let full = hyperparameters == nil || warping == nil || total <= tuning.alwaysFullRefitUpTo
            || Double(total - countAtFullFit) >= tuning.fullRefitFraction * Double(countAtFullFit)

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
                            inputs: inputs, rows: n, targets: transform.targets, warmStart: same ? hyperparameters : nil,
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
                process = warm.fit(inputs: inputs, rows: n, targets: transform.targets, warmStart: hyperparameters, warmOnly: true)
            } else {
                // Few new results among many: the same hyperparameters, the new posterior.
                process = GaussianProcess(inputs: inputs, rows: n, targets: transform.targets, hyperparameters: hyperparameters)
            }
            if let process { best = (process, transform, 0, kernel) }
        }
        guard let best else { return nil }
        if full { countAtFullFit = total }
        if full || Double(total - countAtFit) >= tuning.warmRefitFraction * Double(total) { countAtFit = total }
        hyperparameters = best.process.hyperparameters
        warping = best.transform.warping
        kernel = best.kernel
        let ranked = zip(observed.map(\.point), best.transform.targets).sorted { $0.1 < $1.1 }.map { (point: $0.0, target: $0.1) }
        let model = FittedModel(process: best.process, ranked: ranked, warping: best.transform.warping)
        self.fingerprint = fingerprint
        last = model
        return model
    }
}

extension ModelCache {
    /// Spearman's rank correlation (ties broken by position).
    static func rankCorrelation(_ a: [Double], _ b: [Double]) -> Double {
        func ranks(_ v: [Double]) -> [Double] {
            var r = [Double](repeating: 0, count: v.count)
            for (rank, index) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[index] = Double(rank) }
            return r
        }
        let ra = ranks(a), rb = ranks(b)
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
