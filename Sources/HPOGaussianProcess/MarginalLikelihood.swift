import Foundation

/// The log marginal likelihood of a zero-mean GP with a Matérn-5/2 ARD kernel, plus the log prior
/// of the hyperparameters, and its analytic gradient with respect to the log-hyperparameters.
///
///     log p(y | θ) = −½ yᵀK⁻¹y − ½ log det K − (n/2) log 2π
///     ∂/∂θ_j       = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j),   α = K⁻¹y
///
/// The squared coordinate differences of every pair of inputs do not depend on θ: they are
/// computed once, so one evaluation costs one pass over the pairs, a Cholesky and an inverse.
public struct MarginalLikelihood: Sendable {
    public let n: Int
    public let d: Int
    public let y: [Double]
    public let priors: GPPriors
    /// (x_ik − x_jk)² for i > j, pair after pair (pair index i(i−1)/2 + j), d values each.
    private let squaredDifferences: [Double]
    private let inputs: [Double]

    public init(inputs: [Double], rows n: Int, targets y: [Double], priors: GPPriors) {
        precondition(n > 0 && inputs.count % n == 0 && y.count == n)
        let d = inputs.count / n
        self.n = n
        self.d = d
        self.y = y
        self.priors = priors
        self.inputs = inputs
        var squared = [Double](repeating: 0, count: n * (n - 1) / 2 * d)
        var p = 0
        for i in 0..<n {
            for j in 0..<i {
                for k in 0..<d {
                    let t = inputs[i * d + k] - inputs[j * d + k]
                    squared[p * d + k] = t * t
                }
                p += 1
            }
        }
        squaredDifferences = squared
    }

    /// The covariance matrix K (n×n, row-major, noise included) at θ.
    func covariance(_ theta: GPHyperparameters) -> [Double] {
        let kernel = theta.kernel
        let w = kernel.inverseSquaredLengthScales
        let additive = kernel.hasAdditivePart ? kernel.additiveVariance / Double(d) : 0
        let table = additive > 0 ? AdditiveTable(inputs, rows: n, kernel: kernel) : nil
        var k = [Double](repeating: 0, count: n * n)
        squaredDifferences.withUnsafeBufferPointer { sq in
            var p = 0
            for i in 0..<n {
                for j in 0..<i {
                    var r2 = 0.0
                    for m in 0..<d { r2 += sq[p * d + m] * w[m] }
                    var v = kernel.value(r: r2.squareRoot())
                    if let table {
                        for m in 0..<d { v += additive * AdditiveTable.unit(table, i, table, j, m, inputs[i * d + m] - inputs[j * d + m]) }
                    }
                    k[i * n + j] = v
                    k[j * n + i] = v
                    p += 1
                }
                k[i * n + i] = kernel.priorVariance + theta.noiseVariance
            }
        }
        return k
    }

    /// The log marginal likelihood plus log prior at θ (a log-parameter vector), and its
    /// gradient; nil when K cannot be factored.
    public func valueAndGradient(_ vector: [Double]) -> (value: Double, gradient: [Double])? {
        let theta = GPHyperparameters(vector: vector)
        guard let factor = CholeskyFactor(matrix: covariance(theta), n: n) else { return nil }
        let alpha = factor.solve(y)
        var fit = 0.0
        for i in 0..<n { fit += y[i] * alpha[i] }
        let logLikelihood = -0.5 * fit - 0.5 * factor.logDeterminant - 0.5 * Double(n) * Foundation.log(2 * Double.pi)

        let inverse = factor.inverse()
        let kernel = theta.kernel
        let w = kernel.inverseSquaredLengthScales
        let additive = kernel.hasAdditivePart ? kernel.additiveVariance / Double(d) : 0
        let table = additive > 0 ? AdditiveTable(inputs, rows: n, kernel: kernel) : nil
        var gradient = [Double](repeating: 0, count: d + 3)
        var signalGradient = 0.0
        var additiveGradient = 0.0
        var noiseGradient = 0.0
        squaredDifferences.withUnsafeBufferPointer { sq in
            var p = 0
            for i in 0..<n {
                for j in 0..<i {
                    // The pair (i, j) and (j, i): ½·2·W_ij·∂K_ij.
                    let wij = alpha[i] * alpha[j] - inverse[i * n + j]
                    var r2 = 0.0
                    for m in 0..<d { r2 += sq[p * d + m] * w[m] }
                    let r = r2.squareRoot()
                    signalGradient += wij * kernel.value(r: r)
                    // ∂k/∂log ℓ_m = σ² (−m′(r)/r) r_m².
                    let g = wij * kernel.radialFactor(r: r)
                    for m in 0..<d { gradient[m] += g * sq[p * d + m] * w[m] }
                    if let table {
                        for m in 0..<d {
                            let (unit, radial) = AdditiveTable.unitAndRadial(table, i, table, j, m, inputs[i * d + m] - inputs[j * d + m])
                            additiveGradient += wij * additive * unit
                            gradient[m] += wij * additive * radial * sq[p * d + m] * w[m]
                        }
                    }
                    p += 1
                }
                let wii = alpha[i] * alpha[i] - inverse[i * n + i]
                signalGradient += 0.5 * wii * kernel.signalVariance
                additiveGradient += 0.5 * wii * (additive > 0 ? kernel.additiveVariance : 0)
                noiseGradient += 0.5 * wii
            }
        }
        gradient[d] = signalGradient
        gradient[d + 1] = additiveGradient
        gradient[d + 2] = noiseGradient * theta.noiseVariance

        let prior = priors.logDensity(vector)
        let value = logLikelihood + prior.value
        guard value.isFinite else { return nil }
        return (value, zip(gradient, prior.gradient).map { $0 + $1 })
    }
}
