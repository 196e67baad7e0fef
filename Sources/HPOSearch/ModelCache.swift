import Foundation
import HPOCore
import HPOGaussianProcess

/// The GP fitted to the real results, with what is needed to propose from it.
struct FittedModel: Sendable {
    var process: GaussianProcess
    /// Observed points, best (lowest target) first.
    var ranked: [(point: [Double], target: Double)]
}

/// Keeps the last fit so that a proposal without new results refits nothing, and one with a few
/// new results only warm-starts from the previous hyperparameters; a full fit (several starts)
/// happens once enough of the data is new.
struct ModelCache: Sendable {
    private var fingerprint: Int?
    private var last: FittedModel?
    private var hyperparameters: GPHyperparameters?
    private var countAtFullFit = 0

    mutating func fitted(
        to observed: [(point: [Double], value: Double)], dimension d: Int, options: BayesOptions, tuning: BayesTuning, seed: UInt64
    ) -> FittedModel? {
        var hasher = Hasher()
        for (point, value) in observed {
            hasher.combine(point)
            hasher.combine(value)
        }
        let fingerprint = hasher.finalize()
        if fingerprint == self.fingerprint, let last { return last }

        let n = observed.count
        let warping = OutputWarping(options.output ?? .log)
        let transform = OutputTransform(observations: observed.map(\.value), warping: warping)
        let inputs = Array(observed.map(\.point).joined())
        let fitter = GPFitter(priors: .standard(dimension: d), maxIterations: tuning.fullIterations, randomRestarts: tuning.randomRestarts)
        let full = hyperparameters == nil || Double(n - countAtFullFit) >= tuning.fullRefitFraction * Double(countAtFullFit)
        var warm = fitter
        warm.maxIterations = tuning.warmIterations
        let process = full
            ? fitter.fit(inputs: inputs, rows: n, targets: transform.targets, warmStart: hyperparameters, seed: seed &+ UInt64(n))
            : warm.fit(inputs: inputs, rows: n, targets: transform.targets, warmStart: hyperparameters, warmOnly: true)
        guard let process else { return nil }
        if full { countAtFullFit = n }
        if ProcessInfo.processInfo.environment["HPO_DEBUG"] != nil {
            let h = process.hyperparameters
            print("fit n=\(n) full=\(full) ls=\(h.logLengthScales.map { Foundation.exp($0) }) sf=\(Foundation.exp(h.logSignalVariance)) noise=\(h.noiseVariance) jitter=\(process.factor.jitter) best=\(observed.map(\.value).min() ?? 0)")
        }
        hyperparameters = process.hyperparameters
        let ranked = zip(observed.map(\.point), transform.targets).sorted { $0.1 < $1.1 }.map { (point: $0.0, target: $0.1) }
        let model = FittedModel(process: process, ranked: ranked)
        self.fingerprint = fingerprint
        last = model
        return model
    }
}

extension OutputWarping {
    init(_ kind: OutputTransformKind) {
        switch kind {
        case .none: self = .none
        case .log: self = .log
        case .rankGaussian: self = .rankGaussian
        }
    }
}
