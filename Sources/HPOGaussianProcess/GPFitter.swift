import Foundation
import HPOCore

/// Fits a GP's hyperparameters by maximising log marginal likelihood + log prior with the
/// bounded L-BFGS, from several starts, and returns the posterior at the best.
package struct GPFitter: Sendable {
    package var priors: GPPriors
    /// Iterations of each local optimisation.
    package var maxIterations: Int
    /// Random starts (drawn around the prior) in addition to the given warm start and the prior mean.
    package var randomRestarts: Int

    package init(priors: GPPriors, maxIterations: Int = 60, randomRestarts: Int = 2) {
        self.priors = priors
        self.maxIterations = maxIterations
        self.randomRestarts = randomRestarts
    }

    /// Fits to `rows` inputs (row-major) and targets (already standardised).
    ///
    /// - Parameters:
    ///   - warmStart: a previous fit to start from (tried first); with `warmOnly`, the only start.
    ///   - seed: makes the random starts reproducible.
    package func fit(
        inputs: [Double], rows n: Int, targets: [Double], warmStart: GPHyperparameters? = nil, warmOnly: Bool = false,
        seed: UInt64 = 0
    ) -> GaussianProcess? {
        fitWithEvidence(
            inputs: inputs, rows: n, targets: targets, warmStart: warmStart, warmOnly: warmOnly, seed: seed)?.process
    }

    /// `fit`, and the best log marginal likelihood + log prior it reached.
    package func fitWithEvidence(
        inputs: [Double], rows n: Int, targets: [Double], warmStart: GPHyperparameters? = nil, warmOnly: Bool = false,
        seed: UInt64 = 0
    ) -> (process: GaussianProcess, logEvidence: Double)? {
        guard n > 0 else { return nil }
        let d = inputs.count / n
        let likelihood = MarginalLikelihood(inputs: inputs, rows: n, targets: targets, priors: priors)
        let (lower, upper) = priors.bounds(dimension: d)
        var starts: [[Double]] = []
        if let warmStart, warmStart.dimension == d { starts.append(warmStart.vector) }
        if !warmOnly || starts.isEmpty {
            starts.append(priors.center(dimension: d).vector)
            var random = SplitMix64(rawState: seed ^ 0xD1B5_4A32_D192_ED03)
            for _ in 0..<randomRestarts {
                let ls = (0..<d).map { _ in
                    priors.lengthScale.mode + 2 * priors.lengthScale.spread * (random.nextUnit() * 2 - 1)
                }
                starts.append(
                    ls + [
                        priors.signalVariance.mean, priors.additiveVariance?.mean ?? -.infinity,
                        priors.noiseVariance.mean
                    ])
            }
        }
        let optimiser = BoundedLBFGS(maxIterations: maxIterations, gradientTolerance: 1e-5, relativeTolerance: 1e-7)
        var best: (vector: [Double], value: Double)?
        for start in starts {
            let result = optimiser.minimize(start: start, lower: lower, upper: upper) { theta in
                likelihood.valueAndGradient(theta).map { (-$0.value, $0.gradient.map { -$0 }) }
            }
            if let result, result.value < best?.value ?? .infinity { best = (result.x, result.value) }
        }
        let chosen = GPHyperparameters(vector: best?.vector ?? priors.center(dimension: d).vector)
        guard let process = GaussianProcess(inputs: inputs, rows: n, targets: targets, hyperparameters: chosen) else {
            return nil
        }
        return (process, -(best?.value ?? .infinity))
    }
}
