import Foundation

/// The GP's hyperparameters, kept as the logarithms the fitter optimises:
/// `[log ℓ_1 … log ℓ_d, log σ²_signal, log σ²_additive, log σ²_noise]`, in units of the
/// standardised outputs (see `Matern52` for the additive part; −∞ turns it off).
package struct GPHyperparameters: Sendable, Hashable {
    package var logLengthScales: [Double]
    package var logSignalVariance: Double
    package var logAdditiveVariance: Double
    package var logNoiseVariance: Double

    package init(
        logLengthScales: [Double], logSignalVariance: Double, logAdditiveVariance: Double = -.infinity,
        logNoiseVariance: Double
    ) {
        self.logLengthScales = logLengthScales
        self.logSignalVariance = logSignalVariance
        self.logAdditiveVariance = logAdditiveVariance
        self.logNoiseVariance = logNoiseVariance
    }

    package var dimension: Int { logLengthScales.count }

    package var kernel: Matern52 {
        Matern52(
            lengthScales: logLengthScales.map(Foundation.exp), signalVariance: Foundation.exp(logSignalVariance),
            additiveVariance: Foundation.exp(logAdditiveVariance))
    }

    package var noiseVariance: Double { Foundation.exp(logNoiseVariance) }

    /// The flat vector the optimiser works on.
    package var vector: [Double] { logLengthScales + [logSignalVariance, logAdditiveVariance, logNoiseVariance] }

    package init(vector: [Double]) {
        precondition(vector.count >= 4)
        let d = vector.count - 3
        logLengthScales = Array(vector[..<d])
        logSignalVariance = vector[d]
        logAdditiveVariance = vector[d + 1]
        logNoiseVariance = vector[d + 2]
    }
}

/// Box bounds and Gaussian priors on the log-hyperparameters (a log-normal prior on each length
/// scale, signal and noise variance). The fit maximises log marginal likelihood + log prior.
package struct GPPriors: Sendable, Hashable {
    /// The prior of each length scale.
    package var lengthScale: LengthScalePrior
    package var signalVariance: NormalPrior
    /// The additive part's variance; nil leaves the additive part out (fixed at 0).
    package var additiveVariance: NormalPrior?
    package var noiseVariance: NormalPrior
    package var lengthScaleBounds: ClosedRange<Double>
    package var signalVarianceBounds: ClosedRange<Double>
    package var additiveVarianceBounds: ClosedRange<Double>
    package var noiseVarianceBounds: ClosedRange<Double>

    /// Defaults for inputs in the unit cube and standardised outputs.
    ///
    /// The length-scale prior is the dimension-scaled log-normal of Hvarfner et al. (2024,
    /// "Vanilla Bayesian optimization performs great in high dimensions"), BoTorch's default:
    /// log ℓ ~ N(√2 + ½ log d, √3). The noise prior leans small (objectives are often nearly
    /// deterministic) but lets the data raise it.
    package static func standard(dimension d: Int) -> GPPriors {
        GPPriors(
            lengthScale: .gamma(shape: 3, rate: 6),
            signalVariance: NormalPrior(mean: 0, sd: 1.5),
            additiveVariance: nil,
            noiseVariance: NormalPrior(mean: -9, sd: 3),
            lengthScaleBounds: 1e-3...1e3,
            signalVarianceBounds: 1e-2...1e2,
            additiveVarianceBounds: 1e-6...1e2,
            noiseVarianceBounds: 1e-9...1)
    }

    /// Lower and upper bounds of the log-parameter vector for `dimension` inputs.
    package func bounds(dimension d: Int) -> (lower: [Double], upper: [Double]) {
        let l: (Double) -> Double = Foundation.log
        // Without an additive part its log variance is pinned at −∞.
        let additive =
            additiveVariance == nil
            ? (-Double.infinity, -Double.infinity)
            : (l(additiveVarianceBounds.lowerBound), l(additiveVarianceBounds.upperBound))
        let lower =
            [Double](repeating: l(lengthScaleBounds.lowerBound), count: d)
            + [l(signalVarianceBounds.lowerBound), additive.0, l(noiseVarianceBounds.lowerBound)]
        let upper =
            [Double](repeating: l(lengthScaleBounds.upperBound), count: d)
            + [l(signalVarianceBounds.upperBound), additive.1, l(noiseVarianceBounds.upperBound)]
        return (lower, upper)
    }

    /// The prior means, clamped into the bounds: the default starting point of a fit.
    package func center(dimension d: Int) -> GPHyperparameters {
        let (lower, upper) = bounds(dimension: d)
        let mean =
            [Double](repeating: lengthScale.mode, count: d) + [
                signalVariance.mean, additiveVariance?.mean ?? -.infinity, noiseVariance.mean
            ]
        return GPHyperparameters(vector: zip(mean, zip(lower, upper)).map { min(max($0, $1.0), $1.1) })
    }

    /// log prior density (up to a constant) of the log-parameter vector, and its gradient.
    func logDensity(_ theta: [Double]) -> (value: Double, gradient: [Double]) {
        let d = theta.count - 3
        var value = 0.0
        var gradient = [Double](repeating: 0, count: theta.count)
        func add(_ i: Int, _ prior: NormalPrior) {
            let z = (theta[i] - prior.mean) / prior.sd
            value -= 0.5 * z * z
            gradient[i] = -z / prior.sd
        }
        for i in 0..<d {
            switch lengthScale {
            case .logNormal(let prior): add(i, prior)
            case .gamma(let shape, let rate):
                // Density of log ℓ when ℓ ~ Gamma(shape, rate): ∝ ℓ^shape · exp(−rate·ℓ).
                let l = Foundation.exp(theta[i])
                value += shape * theta[i] - rate * l
                gradient[i] = shape - rate * l
            }
        }
        add(d, signalVariance)
        if let additiveVariance { add(d + 1, additiveVariance) }
        add(d + 2, noiseVariance)
        return (value, gradient)
    }
}

/// The prior of each length scale (inputs in the unit cube).
package enum LengthScalePrior: Sendable, Hashable {
    /// log ℓ ~ N(mean, sd).
    case logNormal(NormalPrior)
    /// ℓ ~ Gamma(shape, rate).
    case gamma(shape: Double, rate: Double)

    /// The most likely log ℓ: where fits start.
    package var mode: Double {
        switch self {
        case .logNormal(let prior): prior.mean
        case .gamma(let shape, let rate): Foundation.log(shape / rate)
        }
    }

    /// A plausible spread of log ℓ around the mode, for random restarts.
    package var spread: Double {
        switch self {
        case .logNormal(let prior): prior.sd
        case .gamma(let shape, _): 1 / shape.squareRoot()
        }
    }
}

/// A normal prior on a log-parameter (a log-normal one on the parameter).
package struct NormalPrior: Sendable, Hashable {
    package var mean: Double
    package var sd: Double
    package init(mean: Double, sd: Double) {
        self.mean = mean
        self.sd = sd
    }
}
