import Foundation

/// Expected improvement for *minimisation*, computed in log space (Ament et al. 2023,
/// "Unexpected improvements to expected improvement for Bayesian optimization").
///
/// EI = σ·h(z) with z = (best − μ)/σ and h(z) = φ(z) + zΦ(z). Plain EI underflows to 0 once
/// z ≲ −38 and loses all precision well before, which leaves an optimiser with a flat zero
/// landscape; log h(z) is computed without forming h for z ≤ −1:
///
///     log h(z) = −z²/2 − ½ log 2π + log1mexp(log(erfcx(−z/√2)·|z|) + ½ log(π/2))
///
/// and from its asymptotic series for z ≪ 0.
package enum LogExpectedImprovement {
    /// log EI for a Gaussian with `mean` and `variance` against the incumbent `best`.
    package static func value(mean: Double, variance: Double, best: Double) -> Double {
        let sigma = max(variance, minimumVariance).squareRoot()
        return Foundation.log(sigma) + logH((best - mean) / sigma)
    }

    /// log EI and its gradient, from a prediction with gradients.
    package static func valueAndGradient(_ p: GaussianProcess.Prediction, best: Double) -> (
        value: Double, gradient: [Double]
    ) {
        let variance = max(p.variance, minimumVariance)
        let sigma = variance.squareRoot()
        let z = (best - p.mean) / sigma
        let value = Foundation.log(sigma) + logH(z)
        let dlogh = logHDerivative(z)
        let clamped = p.variance < minimumVariance
        var gradient = [Double](repeating: 0, count: p.meanGradient.count)
        for k in gradient.indices {
            let dsigma = clamped ? 0 : p.varianceGradient[k] / (2 * sigma)
            let dz = -p.meanGradient[k] / sigma - z * dsigma / sigma
            gradient[k] = dsigma / sigma + dlogh * dz
        }
        return (value, gradient)
    }

    /// Variances below this are treated as this, so log EI stays finite at observed points.
    static let minimumVariance = 1e-18

    static let halfLog2Pi = 0.5 * Foundation.log(2 * Double.pi)
    static let halfLogPiOver2 = 0.5 * Foundation.log(Double.pi / 2)

    /// log h(z), h(z) = φ(z) + zΦ(z) > 0.
    package static func logH(_ z: Double) -> Double {
        if z > -1 {
            let h = standardNormalDensity(z) + z * standardNormalCDF(z)
            return Foundation.log(h)
        }
        if z > -20 {
            let a = Foundation.log(erfcx(-z / 2.0.squareRoot()) * -z) + halfLogPiOver2
            return -0.5 * z * z - halfLog2Pi + log1mexp(a)
        }
        // h(z) = φ(z)/z² · (1 − 3/z² + 15/z⁴ − 105/z⁶ + …) for z → −∞.
        let w = 1 / (z * z)
        var term = 1.0
        var series = 1.0
        for k in 1...8 {
            term *= -Double(2 * k + 1) * w
            series += term
        }
        return -0.5 * z * z - halfLog2Pi + Foundation.log(w) + Foundation.log(series)
    }

    /// d log h / dz = Φ(z)/h(z), computed in log space.
    package static func logHDerivative(_ z: Double) -> Double {
        if z > -1 { return standardNormalCDF(z) / (standardNormalDensity(z) + z * standardNormalCDF(z)) }
        return Foundation.exp(logStandardNormalCDF(z) - logH(z))
    }

    static func standardNormalDensity(_ z: Double) -> Double { Foundation.exp(-0.5 * z * z - halfLog2Pi) }

    static func standardNormalCDF(_ z: Double) -> Double { 0.5 * Foundation.erfc(-z / 2.0.squareRoot()) }

    static func logStandardNormalCDF(_ z: Double) -> Double {
        if z > -5 { return Foundation.log(standardNormalCDF(z)) }
        let x = -z / 2.0.squareRoot()
        return Foundation.log(erfcx(x) / 2) - x * x
    }

    /// log(1 − eᵃ) for a < 0, accurate near both ends (Mächler 2012).
    static func log1mexp(_ a: Double) -> Double {
        a > -Foundation.log(2.0) ? Foundation.log(-Foundation.expm1(a)) : Foundation.log1p(-Foundation.exp(a))
    }

    /// The scaled complementary error function exp(x²)·erfc(x), for x ≥ 0.
    static func erfcx(_ x: Double) -> Double {
        if x < 25 { return Foundation.exp(x * x) * Foundation.erfc(x) }
        // Asymptotic series: 1/(x√π) · Σ (−1)^k (2k−1)!! / (2x²)^k.
        let w = 1 / (2 * x * x)
        var term = 1.0
        var series = 1.0
        for k in 1...6 {
            term *= -Double(2 * k - 1) * w
            series += term
        }
        return series / (x * Double.pi.squareRoot())
    }
}
