import Foundation
import HPOGaussianProcess

/// The probability that a point satisfies every outcome constraint, from one Gaussian process per
/// constraint (Gardner et al. 2014, Gelbart et al. 2014): P(lower ≤ c(x) ≤ upper) under each
/// posterior, multiplied over the constraints (they are modelled as independent). Acquisition
/// multiplies expected improvement by it, in log space: log EI + log P.
struct FeasibilityModel: Sendable {
    struct Constraint: Sendable {
        var process: GaussianProcess
        /// The bounds on the GP's target scale; nil for none.
        var lower: Double?
        var upper: Double?
    }

    var constraints: [Constraint]
    /// Set while no observed point is feasible: the acquisition is the probability of feasibility
    /// alone (find a feasible region first), not EI times it.
    var probabilityOnly = false

    /// Probabilities below this count as this, so that log P stays finite.
    static let floor = 1e-300

    /// Conditions every constraint's GP on a pending point (a running trial, or an earlier pick of
    /// the batch), hyperparameters unchanged: one rank-1 update per constraint.
    ///
    /// - While `probabilityOnly` (nothing feasible yet), pessimistically: the pending trial is
    ///   taken as infeasible, through the constraint the model finds likeliest to break there,
    ///   whose lie is its bound (or the mean, if already past it) pushed `lieSDs` posterior sds
    ///   beyond; the others get their mean. P(feasible) near the point drops, so the next pick of
    ///   the batch goes where the model has not been told anything yet. The kriging believer
    ///   alone would do the opposite: where the mean is feasible, a smaller variance raises P.
    /// - Otherwise the kriging believer for every constraint (its mean), as for the objective by
    ///   default: the expected improvement's own lies spread the batch.
    mutating func condition(onPending point: [Double], lieSDs: Double) {
        let predictions = constraints.map { constraint in
            let p = constraint.process.predict(point, rows: 1)
            return (mean: p.mean[0], sd: max(p.variance[0], 0).squareRoot())
        }
        let blamed =
            probabilityOnly
            ? constraints.indices.min { a, b in
                Self.logInterval(constraints[a], mean: predictions[a].mean, sigma: max(predictions[a].sd, 1e-9))
                    < Self.logInterval(constraints[b], mean: predictions[b].mean, sigma: max(predictions[b].sd, 1e-9))
            } : nil
        for index in constraints.indices {
            let (mean, sd) = predictions[index]
            let value = index == blamed ? Self.infeasibleLie(constraints[index], mean: mean, sd: sd, k: lieSDs) : mean
            constraints[index].process.condition(on: point, value: value)
        }
    }

    /// A value `k` sds beyond the bound nearer the mean (beyond the mean, if it is already past it).
    static func infeasibleLie(_ constraint: Constraint, mean: Double, sd: Double, k: Double) -> Double {
        switch (constraint.lower, constraint.upper) {
        case (let lower?, let upper?):
            return upper - mean <= mean - lower ? max(mean, upper) + k * sd : min(mean, lower) - k * sd
        case (nil, let upper?): return max(mean, upper) + k * sd
        case (let lower?, nil): return min(mean, lower) - k * sd
        case (nil, nil): return mean
        }
    }

    /// log P(feasible) at each point (flattened rows of the unit-cube encoding).
    func logProbability(_ points: [[Double]]) -> [Double] {
        var total = [Double](repeating: 0, count: points.count)
        let flat = Array(points.joined())
        for constraint in constraints {
            let (mean, variance) =
                points.count > 64
                ? constraint.process.predictMany(flat, rows: points.count)
                : constraint.process.predict(flat, rows: points.count)
            for i in points.indices {
                let sigma = max(variance[i], 1e-18).squareRoot()
                total[i] += Self.logInterval(constraint, mean: mean[i], sigma: sigma)
            }
        }
        return total
    }

    /// log P(feasible) at `x` and its gradient.
    func logProbabilityWithGradient(at x: [Double]) -> (value: Double, gradient: [Double]) {
        var value = 0.0
        var gradient = [Double](repeating: 0, count: x.count)
        for constraint in constraints {
            let p = constraint.process.predictWithGradient(at: x)
            let variance = max(p.variance, 1e-18)
            let sigma = variance.squareRoot()
            value += Self.logInterval(constraint, mean: p.mean, sigma: sigma)
            // d log P = (φ(z_u) dz_u − φ(z_l) dz_l) / P, dz = −dμ/σ − z dσ/σ.
            let probability = max(Foundation.exp(Self.logInterval(constraint, mean: p.mean, sigma: sigma)), Self.floor)
            let clamped = p.variance < 1e-18
            for k in x.indices {
                let dsigma = clamped ? 0 : p.varianceGradient[k] / (2 * sigma)
                var dP = 0.0
                if let upper = constraint.upper {
                    let z = (upper - p.mean) / sigma
                    dP += Self.density(z) * (-p.meanGradient[k] / sigma - z * dsigma / sigma)
                }
                if let lower = constraint.lower {
                    let z = (lower - p.mean) / sigma
                    dP -= Self.density(z) * (-p.meanGradient[k] / sigma - z * dsigma / sigma)
                }
                gradient[k] += dP / probability
            }
        }
        return (value, gradient)
    }

    /// log P(lower ≤ c ≤ upper) for c ~ N(mean, sigma²).
    static func logInterval(_ constraint: Constraint, mean: Double, sigma: Double) -> Double {
        let upper = constraint.upper.map { cdf(($0 - mean) / sigma) } ?? 1
        let lower = constraint.lower.map { cdf(($0 - mean) / sigma) } ?? 0
        if constraint.lower == nil, let bound = constraint.upper {
            return logCDF((bound - mean) / sigma)
        }
        if constraint.upper == nil, let bound = constraint.lower {
            return logCDF(-(bound - mean) / sigma)
        }
        return Foundation.log(max(upper - lower, floor))
    }

    static func cdf(_ z: Double) -> Double { 0.5 * Foundation.erfc(-z / 2.0.squareRoot()) }

    static func logCDF(_ z: Double) -> Double { Foundation.log(max(cdf(z), floor)) }

    static func density(_ z: Double) -> Double { Foundation.exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
}
