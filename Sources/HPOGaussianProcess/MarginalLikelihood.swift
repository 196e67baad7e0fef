import Foundation

/// The log marginal likelihood of a zero-mean GP with a Matérn-5/2 ARD kernel, plus the log prior
/// of the hyperparameters, and its analytic gradient with respect to the log-hyperparameters.
///
///     log p(y | θ) = −½ yᵀK⁻¹y − ½ log det K − (n/2) log 2π
///     ∂/∂θ_j       = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j),   α = K⁻¹y
///
/// The squared coordinate differences of every pair of inputs do not depend on θ: they are
/// computed once, so one evaluation costs one pass over the pairs, a Cholesky and an inverse.
package struct MarginalLikelihood: Sendable {
    package let n: Int
    package let d: Int
    package let y: [Double]
    package let priors: GPPriors
    /// (x_ik − x_jk)² for i > j, pair after pair (pair index i(i−1)/2 + j), d values each.
    private let squaredDifferences: [Double]
    private let inputs: [Double]

    package init(inputs: [Double], rows n: Int, targets y: [Double], priors: GPPriors) {
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

    /// What one evaluation needs of every pair (i > j, in pair order) at θ's length scales: the
    /// unit-variance Matérn m(r) and −m′(r)/r of the ARD part. The covariance and the gradient
    /// both use them, so each pair's exponential is taken once per evaluation. (The additive
    /// part's factors come from an `AdditiveTable` without exponentials and are recomputed:
    /// storing d of them per pair cost more in page faults than it saved.)
    struct PairTerms {
        var unit: [Double]
        var radial: [Double]
        var table: AdditiveTable?
    }

    func pairTerms(_ kernel: Matern52) -> PairTerms {
        let pairs = n * (n - 1) / 2
        let w = kernel.inverseSquaredLengthScales
        var unit = [Double](repeating: 0, count: pairs)
        var radial = [Double](repeating: 0, count: pairs)
        squaredDifferences.withUnsafeBufferPointer { sq in
            w.withUnsafeBufferPointer { w in
                unit.withUnsafeMutableBufferPointer { unit in
                    radial.withUnsafeMutableBufferPointer { radial in
                        for p in 0..<pairs {
                            var r2 = 0.0
                            for m in 0..<d { r2 += sq[p * d + m] * w[m] }
                            let s = Matern52.sqrt5 * r2.squareRoot()
                            let e = Foundation.exp(-s)
                            unit[p] = (1 + s + s * s / 3) * e
                            radial[p] = (5.0 / 3.0) * (1 + s) * e
                        }
                    }
                }
            }
        }
        let table = kernel.hasAdditivePart ? AdditiveTable(inputs, rows: n, kernel: kernel) : nil
        return PairTerms(unit: unit, radial: radial, table: table)
    }

    /// The covariance matrix K (n×n, row-major, noise included) at θ.
    func covariance(_ theta: GPHyperparameters, _ terms: PairTerms) -> [Double] {
        let kernel = theta.kernel
        let additive = terms.table == nil ? 0 : kernel.additiveVariance / Double(d)
        var k = [Double](repeating: 0, count: n * n)
        k.withUnsafeMutableBufferPointer { k in
            var p = 0
            for i in 0..<n {
                for j in 0..<i {
                    var v = kernel.signalVariance * terms.unit[p]
                    if let table = terms.table {
                        var sum = 0.0
                        for m in 0..<d {
                            sum += AdditiveTable.unit(table, i, table, j, m, inputs[i * d + m] - inputs[j * d + m])
                        }
                        v += additive * sum
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
    package func valueAndGradient(_ vector: [Double]) -> (value: Double, gradient: [Double])? {
        let theta = GPHyperparameters(vector: vector)
        let kernel = theta.kernel
        let terms = pairTerms(kernel)
        guard let factor = CholeskyFactor(matrix: covariance(theta, terms), n: n) else { return nil }
        let alpha = factor.solve(y)
        var fit = 0.0
        for i in 0..<n { fit += y[i] * alpha[i] }
        let logLikelihood = -0.5 * fit - 0.5 * factor.logDeterminant - 0.5 * Double(n) * Foundation.log(2 * Double.pi)

        let inverse = factor.inverse()
        let w = kernel.inverseSquaredLengthScales
        let additive = terms.table == nil ? 0 : kernel.additiveVariance / Double(d)
        // ∂k/∂log ℓ_m = σ² (−m′(r)/r) r_m², and likewise for each coordinate's additive term:
        // accumulated per pair as weights of the squared differences, then summed per coordinate.
        var lengthGradient = [Double](repeating: 0, count: d)
        var signalGradient = 0.0
        var additiveGradient = 0.0
        var noiseGradient = 0.0
        squaredDifferences.withUnsafeBufferPointer { sq in
            lengthGradient.withUnsafeMutableBufferPointer { gradient in
                var p = 0
                for i in 0..<n {
                    for j in 0..<i {
                        // The pair (i, j) and (j, i): ½·2·W_ij·∂K_ij.
                        let wij = alpha[i] * alpha[j] - inverse[i * n + j]
                        signalGradient += wij * kernel.signalVariance * terms.unit[p]
                        let g = wij * kernel.signalVariance * terms.radial[p]
                        if let table = terms.table {
                            for m in 0..<d {
                                let (unit, radial) = AdditiveTable.unitAndRadial(
                                    table, i, table, j, m, inputs[i * d + m] - inputs[j * d + m])
                                additiveGradient += wij * additive * unit
                                gradient[m] += (g + wij * additive * radial) * sq[p * d + m]
                            }
                        } else {
                            for m in 0..<d { gradient[m] += g * sq[p * d + m] }
                        }
                        p += 1
                    }
                    let wii = alpha[i] * alpha[i] - inverse[i * n + i]
                    signalGradient += 0.5 * wii * kernel.signalVariance
                    additiveGradient += 0.5 * wii * (additive > 0 ? kernel.additiveVariance : 0)
                    noiseGradient += 0.5 * wii
                }
            }
        }
        var gradient = zip(lengthGradient, w).map { $0 * $1 }
        gradient += [signalGradient, additiveGradient, noiseGradient * theta.noiseVariance]

        let prior = priors.logDensity(vector)
        let value = logLikelihood + prior.value
        guard value.isFinite else { return nil }
        return (value, zip(gradient, prior.gradient).map { $0 + $1 })
    }
}
